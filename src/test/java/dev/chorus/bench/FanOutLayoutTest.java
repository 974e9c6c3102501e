package dev.chorus.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FanOutLayoutTest {

    @Test
    void unevenSubscribersAreCountedPerGroupNotAveraged() {
        FanOutLayout layout = new FanOutLayout(10, 4, 3, 20);
        assertThat(layout.subscribersPerGroup()).containsExactly(3, 3, 2, 2);
        // 5 messages acked in group 0, 1 in group 3: 5 * 3 + 1 * 2.
        assertThat(layout.expectedDeliveries(new long[] {5, 0, 0, 1})).isEqualTo(17);
    }

    @Test
    void expectedDeliveriesOfAnEvenSpreadAreMessagesTimesSubscribersPerGroup() {
        FanOutLayout layout = new FanOutLayout(1000, 100, 30, 20);
        long[] acked = new long[100];
        Arrays.fill(acked, 7);
        assertThat(layout.expectedDeliveries(acked)).isEqualTo(700 * 10);
    }

    @Test
    void noUserHoldsMoreSocketsThanAllowed() {
        FanOutLayout layout = new FanOutLayout(1001, 100, 30, 20);
        assertThat(layout.subscriberUsers()).isEqualTo(51);
        assertThat(layout.publisherUsers()).isEqualTo(2);
        Map<Integer, Integer> socketsOfUser = new HashMap<>();
        for (int i = 0; i < 1001; i++) {
            socketsOfUser.merge(layout.userOfSubscriber(i), 1, Integer::sum);
        }
        assertThat(socketsOfUser.values()).allMatch(n -> n <= 20);
        assertThat(layout.userOfPublisher(29)).isEqualTo(1);
    }

    @Test
    void aSubscriberUserJoinsExactlyTheGroupsOfItsOwnSockets() {
        FanOutLayout layout = new FanOutLayout(50, 100, 1, 20);
        assertThat(layout.subscriberUserGroups().get(0)).hasSize(20).contains(0, 19);
        assertThat(layout.subscriberUserGroups().get(2)).containsExactly(40, 41, 42, 43, 44, 45, 46, 47, 48, 49);
    }

    @Test
    void messagesGoRoundTheGroupsAndPublishers() {
        FanOutLayout layout = new FanOutLayout(40, 4, 3, 20);
        assertThat(layout.groupOfMessage(6)).isEqualTo(2);
        assertThat(layout.publisherOfMessage(6)).isZero();
    }

    @Test
    void anEmptyLayoutIsRefused() {
        assertThatThrownBy(() -> new FanOutLayout(0, 1, 1, 20)).isInstanceOf(IllegalArgumentException.class);
    }
}
