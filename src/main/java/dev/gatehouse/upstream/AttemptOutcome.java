package dev.gatehouse.upstream;

/** How one upstream attempt ended, as passive health checks count it. */
public enum AttemptOutcome {
    /** A response below 500 (or 500-class that health rules ignore). */
    SUCCESS,
    /** The upstream answered 500, 501 or 505+. */
    HTTP_5XX,
    /** The upstream answered 502, 503 or 504. */
    HTTP_GATEWAY_ERROR,
    /** Connect failure or timeout, read/write timeout, reset, or an invalid response: no usable answer. */
    LOCAL_FAILURE;

    /** The outcome of a response status. */
    public static AttemptOutcome ofStatus(int status) {
        if (status == 502 || status == 503 || status == 504) {
            return HTTP_GATEWAY_ERROR;
        }
        return status >= 500 ? HTTP_5XX : SUCCESS;
    }
}
