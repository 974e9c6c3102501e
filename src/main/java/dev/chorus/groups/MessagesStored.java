package dev.chorus.groups;

import java.util.List;

/**
 * Messages were committed to history together (one post, or one group-commit batch); published after the
 * transaction, once per commit. Within a group they are in seq order.
 */
public record MessagesStored(List<Message> messages) {
}
