package dev.chorus.auth.internal;

import dev.chorus.auth.CurrentUser;
import java.util.List;
import java.util.UUID;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.MethodParameter;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.security.authentication.AuthenticationCredentialsNotFoundException;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Lets any controller take a {@link CurrentUser} parameter, read from the verified access token. */
@Configuration(proxyBeanMethods = false)
class CurrentUserResolver implements WebMvcConfigurer, HandlerMethodArgumentResolver {

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(this);
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == CurrentUser.class;
    }

    @Override
    public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer mav, NativeWebRequest request,
            WebDataBinderFactory binders) {
        if (SecurityContextHolder.getContext().getAuthentication() instanceof JwtAuthenticationToken token) {
            return from(token.getToken());
        }
        throw new AuthenticationCredentialsNotFoundException("no access token");
    }

    static CurrentUser from(Jwt jwt) {
        List<String> roles = jwt.getClaimAsStringList(AccessTokens.ROLES_CLAIM);
        return new CurrentUser(UUID.fromString(jwt.getSubject()), jwt.getClaimAsString("email"), roles == null ? List.of() : roles);
    }
}
