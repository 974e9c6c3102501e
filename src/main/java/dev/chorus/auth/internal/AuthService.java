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
import org.springframework.stereotype.Service;

/** Registration, login, refresh with rotation, and logout. */
@Service
public class AuthService {

    /** What a successful login or refresh hands back; the refresh token is good for {@code refreshLifetime}. */
    public record Login(String accessToken, long expiresIn, String refreshToken, Duration refreshLifetime, User user,
            List<String> roles) {
    }

    private static final Duration LOGIN_WINDOW = Duration.ofMinutes(15);
    private static final Duration PER_IP_WINDOW = Duration.ofMinutes(1);
    /** A quiet address may make this share of a minute's password attempts at once; the rest come one by one. */
    private static final int PER_IP_BURST_DIVISOR = 6;
    // Verified against when the e-mail is unknown, so that a wrong e-mail costs as long as a wrong password.
    private final String decoyHash;

    private final UserStore users;
    private final PasswordHasher passwords;
    private final AccessTokens accessTokens;
    private final RefreshSessions sessions;
    private final RateLimiter limiter;
    private final AuthProperties properties;
    private final int loginLimit;
    private final int perIpLimit;
    private final Clock clock;
    private final ApplicationEventPublisher events;

    AuthService(UserStore users, PasswordHasher passwords, AccessTokens accessTokens, RefreshSessions sessions,
            RateLimiter limiter, AuthProperties properties, @Value("${chorus.rate-limit.login:10}") int loginLimit,
            @Value("${chorus.rate-limit.login-per-ip:60}") int perIpLimit, Clock clock, ApplicationEventPublisher events) {
        this.users = users;
        this.passwords = passwords;
        this.accessTokens = accessTokens;
        this.sessions = sessions;
        this.limiter = limiter;
        this.properties = properties;
        this.loginLimit = loginLimit;
        this.perIpLimit = perIpLimit;
        this.clock = clock;
        this.events = events;
        this.decoyHash = passwords.hash(UUID.randomUUID().toString());
    }

    /** Registers a user; {@code clientIp} is charged a password attempt (RATE_LIMIT_LOGIN_PER_IP). */
    public User register(String email, String password, String displayName, String clientIp) {
        requirePasswordAttemptFrom(clientIp);
        String hash = passwords.withSlot(() -> passwords.hash(password));
        User user = new User(UUID.randomUUID(), email.trim().toLowerCase(), displayName.trim(), hash, clock.instant());
        try {
            users.insert(user);
        } catch (DuplicateKeyException e) {
            throw new ApiException(HttpStatus.CONFLICT, "email_taken", "an account with this e-mail already exists");
        }
        return user;
    }

    /**
     * Logs in. Each attempt costs a token of the client address's bucket (RATE_LIMIT_LOGIN_PER_IP, refilled steadily)
     * and of the e-mail's (RATE_LIMIT_LOGIN), before any password is hashed.
     */
    public Login login(String email, String password, String clientIp) {
        requirePasswordAttemptFrom(clientIp);
        String normalized = email.trim().toLowerCase();
        RateLimiter.Decision decision = limiter.tryAcquire("login", normalized, loginLimit, LOGIN_WINDOW);
        if (!decision.allowed()) {
            throw new TooManyRequestsException(decision, "too many login attempts for this e-mail");
        }
        User user = passwords.withSlot(() -> {
            User found = users.findUserByEmail(normalized).orElse(null);
            boolean matches = passwords.matches(password, found == null ? decoyHash : found.passwordHash());
            return matches ? found : null;
        });
        if (user == null) {
            throw invalidCredentials();
        }
        String sessionId = UUID.randomUUID().toString();
        return issue(user, sessionId, sessions.open(user.id(), sessionId), sessions.firstTokenLifetime());
    }

    /**
     * Password attempts per client address: RATE_LIMIT_LOGIN_PER_IP a minute, of which only a sixth may come at once
     * (a greedy refill with a small bucket), so that one address cannot spend a minute's worth of hashing in a
     * second. With random e-mails the per-e-mail limit never bites; this one does.
     */
    private void requirePasswordAttemptFrom(String clientIp) {
        RateLimiter.Decision decision = limiter.tryAcquire("password-ip", clientIp, perIpLimit, PER_IP_WINDOW,
                Math.max(1, perIpLimit / PER_IP_BURST_DIVISOR));
        if (!decision.allowed()) {
            throw new TooManyRequestsException(decision, "too many sign-in attempts from this address");
        }
    }

    public Login refresh(String refreshToken) {
        return switch (sessions.rotate(refreshToken)) {
            case RefreshSessions.Rotation.Rotated r -> {
                User user = users.findUser(r.userId()).orElseThrow(AuthService::invalidRefresh);
                yield issue(user, r.sessionId(), r.newToken(), r.lifetime());
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

    private Login issue(User user, String sessionId, String refreshToken, Duration refreshLifetime) {
        List<String> roles = rolesOf(user);
        return new Login(accessTokens.issue(user, roles, sessionId), accessTokens.ttlSeconds(), refreshToken,
                refreshLifetime, user, roles);
    }

    private static ApiException invalidCredentials() {
        return new ApiException(HttpStatus.UNAUTHORIZED, "invalid_credentials", "wrong e-mail or password");
    }

    private static ApiException invalidRefresh() {
        return new ApiException(HttpStatus.UNAUTHORIZED, "invalid_refresh_token", "the refresh token is invalid or expired");
    }
}
