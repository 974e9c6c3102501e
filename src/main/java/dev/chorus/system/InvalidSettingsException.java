package dev.chorus.system;

/** A configuration problem that must stop the instance before it starts; the message is the one line shown to the operator. */
public class InvalidSettingsException extends RuntimeException {

    public InvalidSettingsException(String message) {
        super(message);
    }
}
