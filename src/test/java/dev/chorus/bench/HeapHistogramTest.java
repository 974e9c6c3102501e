package dev.chorus.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeapHistogramTest {

    private static final String BEFORE = """
            12345:
             num     #instances         #bytes  class name (module)
            -------------------------------------------------------
               1:          1000         100000  [B (java.base@25)
               2:           500          12000  java.lang.String (java.base@25)
               3:            10            640  org.apache.tomcat.websocket.WsSession
            Total          1510         112640
            """;
    private static final String AFTER = """
            12345:
             num     #instances         #bytes  class name (module)
            -------------------------------------------------------
               1:          3000         900000  [B (java.base@25)
               2:           700          16800  java.lang.String (java.base@25)
               3:           110           7040  org.apache.tomcat.websocket.WsSession
               4:           100           3200  dev.chorus.realtime.internal.ClientConnection
            Total          3910         927040
            """;

    @Test
    void theTotalIsTheLiveHeapAndRowsAreByClass() {
        HeapHistogram h = HeapHistogram.parse(AFTER);
        assertThat(h.totalBytes()).isEqualTo(927_040);
        assertThat(h.bytesByClass()).containsEntry("[B", 900_000L).containsEntry("java.lang.String", 16_800L);
        assertThat(h.instancesByClass()).containsEntry("dev.chorus.realtime.internal.ClientConnection", 100L);
    }

    @Test
    void growthIsSortedLargestFirstAndCountsNewClasses() {
        List<HeapHistogram.Growth> grown = HeapHistogram.parse(AFTER).grownSince(HeapHistogram.parse(BEFORE), 3);
        assertThat(grown).extracting(HeapHistogram.Growth::className)
                .containsExactly("[B", "org.apache.tomcat.websocket.WsSession", "java.lang.String");
        assertThat(grown.getFirst().bytes()).isEqualTo(800_000);
        assertThat(grown.getFirst().instances()).isEqualTo(2000);
    }

    @Test
    void perSocketFiguresDivideByTheSockets() {
        Map<String, Object> rows = HeapHistogram.perSocket(
                List.of(new HeapHistogram.Growth("[B", 800_000, 2000)), 100);
        assertThat(rows).containsEntry("[B", Map.of("bytesPerSocket", 8000L, "instancesPerSocket", 20.0));
    }

    @Test
    void outputWithoutATotalIsAnError() {
        assertThatThrownBy(() -> HeapHistogram.parse("12345:\nGC.class_histogram failed"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
