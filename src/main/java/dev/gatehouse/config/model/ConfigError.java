package dev.gatehouse.config.model;

/**
 * One problem found in a configuration: where it is (source and line), which key, and why it is wrong.
 *
 * @param source the file name (or another source's name, such as {@code admin-api})
 * @param line the 1-based line of the offending key or value, or 0 when unknown
 * @param path the key path, such as {@code routes[0].paths[1]}
 * @param reason what is wrong, naming the value and the expectation
 */
public record ConfigError(String source, int line, String path, String reason) {

    @Override
    public String toString() {
        String where = line > 0 ? source + ":" + line : source;
        return path.isEmpty() ? where + ": " + reason : where + ": " + path + ": " + reason;
    }
}
