package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.net.Cidr;
import dev.gatehouse.config.model.Units;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UnitsTest {

    @ParameterizedTest
    @CsvSource({"250ms,250", "2s,2000", "1m,60000", "1h,3600000", "1d,86400000"})
    void durations(String text, long millis) {
        assertThat(Units.parseDuration(text)).isEqualTo(Duration.ofMillis(millis));
        assertThat(Units.parseDuration(Units.format(Duration.ofMillis(millis)))).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @CsvSource({"30", "s", "2x", "-1s", "1.5s", "''"})
    void notDurations(String text) {
        assertThat(Units.parseDuration(text)).isNull();
    }

    @ParameterizedTest
    @CsvSource({"512,512", "16k,16384", "16kb,16384", "1m,1048576", "2g,2147483648"})
    void sizes(String text, long bytes) {
        assertThat(Units.parseSize(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @CsvSource({"k", "12q", "-5", "''"})
    void notSizes(String text) {
        assertThat(Units.parseSize(text)).isEqualTo(-1);
    }

    @ParameterizedTest
    @CsvSource({"10.0.0.0/8,10.1.2.3,true", "10.0.0.0/8,11.0.0.1,false", "127.0.0.1,127.0.0.1,true",
            "192.168.1.0/25,192.168.1.127,true", "192.168.1.0/25,192.168.1.128,false", "::1/128,::1,true",
            "::1,127.0.0.1,false"})
    void cidrs(String cidr, String address, boolean contained) throws Exception {
        assertThat(Cidr.parse(cidr).contains(InetAddress.getByName(address))).isEqualTo(contained);
    }

    @ParameterizedTest
    @CsvSource({"example.com", "10.0.0.0/33", "10.0.0.0/x"})
    void notCidrs(String text) {
        assertThat(Cidr.parse(text)).isNull();
    }
}
