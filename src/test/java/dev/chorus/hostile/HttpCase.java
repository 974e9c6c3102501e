package dev.chorus.hostile;

import dev.chorus.support.RawHttp.Answer;
import java.util.function.Function;

/**
 * One hostile HTTP request and the answer SPEC §3 gives it from an instance: a status and, for a 4xx, the
 * {@code error} code of the one error shape. A few cases expect a 2xx (a junk query string on an endpoint that
 * takes none is ignored); they still must write nothing. A 4xx without a code is answered by a part of the stack
 * that sends the status alone (Spring's WebSocket handshake handler, for a request that is no WebSocket upgrade).
 *
 * <p>{@code throughNginx}, when set, is what the instance answers to the request as nginx passes it on, where nginx
 * changes the request (it drops a header line without a colon) or where the instance refuses the request line before
 * reading the X-Request-ID nginx sent, so that the body's requestId is the instance's own.
 */
record HttpCase(String endpoint, String name, int status, String code, Function<Route, Answer> call, ThroughNginx throughNginx) {

    /** The instance's answer to the request as it arrives through nginx. */
    record ThroughNginx(int status, String code, boolean requestIdIsTheInstancesOwn) {
    }

    int status(Route route) {
        return route.viaBalancer() && throughNginx != null ? throughNginx.status() : status;
    }

    String code(Route route) {
        return route.viaBalancer() && throughNginx != null ? throughNginx.code() : code;
    }

    boolean requestIdMatchesHeader(Route route) {
        return !(route.viaBalancer() && throughNginx != null && throughNginx.requestIdIsTheInstancesOwn());
    }

    @Override
    public String toString() {
        return name + " → " + status + (code == null ? "" : " " + code)
                + (throughNginx == null ? "" : " (through nginx " + throughNginx.status() + " " + throughNginx.code() + ")");
    }
}
