package dev.chorus.ops;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Text that PostgreSQL can store exactly as it was sent: no NUL and no unpaired surrogate. With
 * {@code name = true} (display names, group names), no control character at all, so a name never trims to nothing.
 * A null value is left to {@code @NotNull}.
 */
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT, ElementType.TYPE_USE})
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = CleanText.Validator.class)
public @interface CleanText {

    String message() default "must be valid text without NUL or unpaired surrogates";

    boolean name() default false;

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Validates {@link CleanText}; {@link #problem} also serves WebSocket frames. */
    class Validator implements ConstraintValidator<CleanText, String> {
        private boolean name;

        @Override
        public void initialize(CleanText annotation) {
            this.name = annotation.name();
        }

        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            return value == null || problem(value, name) == null;
        }

        /** What is wrong with the text, or null when it is clean. */
        public static String problem(String value, boolean name) {
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == 0) {
                    return "must not contain NUL";
                }
                if (name && Character.isISOControl(c)) {
                    return "must not contain control characters";
                }
                if (Character.isHighSurrogate(c)) {
                    if (i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                        i++;
                        continue;
                    }
                    return "must be valid Unicode";
                }
                if (Character.isLowSurrogate(c)) {
                    return "must be valid Unicode";
                }
            }
            return null;
        }
    }
}
