package dev.chorus.auth.internal;

import dev.chorus.auth.AuthProperties;
import dev.chorus.auth.SessionRevoked;
import dev.chorus.ops.ApiException;
import dev.chorus.ops.RateLimiter;
import dev.chorus.ops.TooManyRequestsException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;

/** Registration, login, refresh with rotation, and logout. */
@Service
public class AuthService {

    /** What a successful login or refresh hands back. */
    public record Login(String accessToken, long expiresIn, String refreshToken, User user, List<String> roles) {
    }

    private static final Duration LOGIN_WINDOW = Duration.ofMinutes(15);
    // Verified against when the e-mail is unknown, so that a wrong e-mail costs as long as a wrong password.
    private final String decoyHash;

    private final UserStore users;
    private final PasswordEncoder passwords;
    private final AccessTokens accessTokens;
    private final RefreshSessions sessions;
    private final RateLimiter limiter;
    private final AuthProperties properties;
    private final int loginLimit;
    private final Clock clock;
    private final ApplicationEventPublisher events;

    AuthService(UserStore users, PasswordEncoder passwords, AccessTokens accessTokens, RefreshSessions sessions,
            RateLimiter limiter, AuthProperties properties, @Value("${chorus.rate-limit.login:10}") int loginLimit,
            Clock clock, ApplicationEventPublisher events) {
        this.users = users;
        this.passwords = passwords;
        this.accessTokens = accessTokens;
        this.sessions = sessions;
        this.limiter = limiter;
        this.properties = properties;
        this.loginLimit = loginLimit;
        this.clock = clock;
        this.events = events;
        this.decoyHash = passwords.encode(UUID.randomUUID().toString());
    }

    public User register(String email, String password, String displayName) {
        User user = new User(UUID.randomUUID(), email.trim().toLowerCase(), displayName.trim(), passwords.encode(password),
                clock.instant());
        try {
            users.insert(user);
        } catch (DuplicateKeyException e) {
            throw new ApiException(HttpStatus.CONFLICT, "email_taken", "an account with this e-mail already exists");
        }
        return user;
    }

    public Login login(String email, String password) {
        String normalized = email.trim().toLowerCase();
        RateLimiter.Decision decision = limiter.tryAcquire("login", normalized, loginLimit, LOGIN_WINDOW);
        if (!decision.allowed()) {
            throw new TooManyRequestsException(decision, "too many login attempts for this e-mail");
        }
        User user = users.findUserByEmail(normalized).orElse(null);
        boolean matches = passwords.matches(password, user == null ? decoyHash : user.passwordHash());
        if (user == null || !matches) {
            throw invalidCredentials();
        }
        String sessionId = UUID.randomUUID().toString();
        return issue(user, sessionId, sessions.open(user.id(), sessionId));
    }

    public Login refresh(String refreshToken) {
        return switch (sessions.rotate(refreshToken)) {
            case RefreshSessions.Rotation.Rotated r -> {
                User user = users.findUser(r.userId()).orElseThrow(AuthService::invalidRefresh);
                yield issue(user, r.sessionId(), r.newToken());
            }
            case RefreshSessions.Rotation.Reused reused -> {
                events.publishEvent(new SessionRevoked(reused.sessionId()));
                throw new ApiException(HttpStatus.UNAUTHORIZED, "refresh_token_reused",
                        "this refresh token was already used; the session has been revoked");
            }
            case RefreshSessions.Rotation.Unknown unknown -> throw invalidRefresh();
        };
    }

    public void logout(String sessionId) {
        sessions.revoke(sessionId);
        events.publishEvent(new SessionRevoked(sessionId));
    }

    public User user(UUID id) {
        return users.findUser(id).orElseThrow(() -> ApiException.notFound("user"));
    }

    public List<String> rolesOf(User user) {
        List<String> roles = new ArrayList<>(List.of("USER"));
        if (properties.adminEmailSet().contains(user.email())) {
            roles.add("ADMIN");
        }
        return roles;
    }

    private Login issue(User user, String sessionId, String refreshToken) {
        List<String> roles = rolesOf(user);
        return new Login(accessTokens.issue(user, roles, sessionId), accessTokens.ttlSeconds(), refreshToken, user, roles);
    }

    private static ApiException invalidCredentials() {
        return new ApiException(HttpStatus.UNAUTHORIZED, "invalid_credentials", "wrong e-mail or password");
    }

    private static ApiException invalidRefresh() {
        return new ApiException(HttpStatus.UNAUTHORIZED, "invalid_refresh_token", "the refresh token is invalid or expired");
    }
}
