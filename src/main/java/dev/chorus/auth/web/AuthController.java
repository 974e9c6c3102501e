package dev.chorus.auth.web;

import dev.chorus.auth.AuthProperties;
import dev.chorus.auth.CurrentUser;
import dev.chorus.auth.internal.AuthService;
import dev.chorus.auth.internal.User;
import dev.chorus.ops.ClientIpResolver;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.bind.annotation.CookieValue;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** SPEC §3 Auth: register, login, refresh, logout, and the caller's own profile. */
@RestController
@RequestMapping("/api")
class AuthController {

    private static final String COOKIE = "refreshToken";
    private static final String COOKIE_PATH = "/api/auth";

    private final AuthService auth;
    private final AuthProperties properties;
    private final ClientIpResolver clientIp;

    AuthController(AuthService auth, AuthProperties properties, ClientIpResolver clientIp) {
        this.auth = auth;
        this.properties = properties;
        this.clientIp = clientIp;
    }

    @PostMapping("/auth/register")
    ResponseEntity<Map<String, Object>> register(@Valid @RequestBody AuthRequests.Register body, HttpServletRequest request) {
        User user = auth.register(body.email(), body.password(), body.displayName(), clientIp.clientIp(request));
        return ResponseEntity.status(HttpStatus.CREATED).body(Map.of("user", UserView.of(user, auth.rolesOf(user))));
    }

    @PostMapping("/auth/login")
    ResponseEntity<Map<String, Object>> login(@Valid @RequestBody AuthRequests.Login body, HttpServletRequest request) {
        return withCookie(auth.login(body.email(), body.password(), clientIp.clientIp(request)), request);
    }

    @PostMapping("/auth/refresh")
    ResponseEntity<Map<String, Object>> refresh(@Valid @RequestBody(required = false) AuthRequests.Refresh body,
            @CookieValue(name = COOKIE, required = false) String cookie, HttpServletRequest request) {
        String token = body != null && body.refreshToken() != null ? body.refreshToken() : cookie;
        return withCookie(auth.refresh(token), request);
    }

    @PostMapping("/auth/logout")
    ResponseEntity<Void> logout(HttpServletRequest request) {
        JwtAuthenticationToken token = (JwtAuthenticationToken) SecurityContextHolder.getContext().getAuthentication();
        auth.logout(token.getToken().getClaimAsString("sid"));
        return ResponseEntity.noContent().header(HttpHeaders.SET_COOKIE, cookie("", Duration.ZERO, request).toString()).build();
    }

    @GetMapping("/users/me")
    UserView me(CurrentUser caller) {
        User user = auth.user(caller.id());
        return UserView.of(user, auth.rolesOf(user));
    }

    private ResponseEntity<Map<String, Object>> withCookie(AuthService.Login login, HttpServletRequest request) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("accessToken", login.accessToken());
        body.put("tokenType", "Bearer");
        body.put("expiresIn", login.expiresIn());
        body.put("refreshToken", login.refreshToken());
        body.put("user", UserView.of(login.user(), login.roles()));
        return ResponseEntity.ok()
                .header(HttpHeaders.SET_COOKIE, cookie(login.refreshToken(), login.refreshLifetime(), request).toString())
                .body(body);
    }

    /**
     * The refresh cookie. Secure when COOKIE_SECURE says so, and whenever the client reached us over HTTPS, which
     * behind a TLS balancer is its X-Forwarded-Proto, believed from TRUSTED_PROXIES only (ops.ForwardedProtoFilter):
     * a cookie set over HTTPS is never sent back over plain HTTP, whatever the setting.
     */
    private ResponseCookie cookie(String value, Duration maxAge, HttpServletRequest request) {
        return ResponseCookie.from(COOKIE, value)
                .httpOnly(true)
                .secure(properties.cookieSecure() || request.isSecure())
                .sameSite("Strict")
                .path(COOKIE_PATH)
                .maxAge(maxAge)
                .build();
    }
}
