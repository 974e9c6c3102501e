package dev.chorus.groups;

/** A message was committed to history; published after the transaction, once per message. */
public record MessageStored(Message message) {
}
