# kafka.sh — sourced by bin/chorus (up --kafka, bench ws --kafka, down, status, test): a local single-node Apache
# Kafka (KRaft) from Maven Central's jars. The Java tool dev.chorus.support.KafkaBroker prepares it (class path from
# tools/kafka-broker/pom.xml, server.properties, a formatted data directory, the command line); this file runs that
# command in the background like an instance, its pid, data and log under $RUN/kafka/. Ports: CHORUS_KAFKA_PORT
# (9092) and CHORUS_KAFKA_CONTROLLER_PORT (9093). One broker holds one replica: the instances it serves create their
# topic with replication factor 1 (production: 3 brokers, replication factor 3, min.insync.replicas 2; see README).

KAFKA_PORT=${CHORUS_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${CHORUS_KAFKA_CONTROLLER_PORT:-9093}

# kafka_start: prepares (once) and starts the broker unless it runs; waits until its port accepts connections (the
# instances' readiness, which needs the cluster to answer, is the real gate).
kafka_start() {
  local dir="$RUN/kafka" command=()
  alive "$dir/kafka.pid" && return 0
  tools_build; kafka_classpath
  mkdir -p "$dir"
  (cd "$ROOT" && tools_java dev.chorus.support.KafkaBroker prepare "$dir" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT") ||
    die "preparing the Kafka broker failed; see $dir/format.log and $ROOT/tools/kafka-broker/target/resolve.log"
  mapfile -t command < "$dir/command"
  say "starting Kafka on 127.0.0.1:$KAFKA_PORT (log $dir/broker.log)"
  nohup "${command[@]}" >> "$dir/broker.log" 2>&1 &
  echo $! | write_atomically "$dir/kafka.pid"
  for _ in $(seq 1 240); do
    alive "$dir/kafka.pid" || die "Kafka exited; see $dir/broker.log"
    (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_PORT") 2>/dev/null && return 0
    sleep 0.5
  done
  die "Kafka does not listen on :$KAFKA_PORT after 120 s; see $dir/broker.log"
}

# The instances' settings for the local broker (lines for $RUN/cluster.env).
kafka_settings() {
  printf '%s\n' "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT" KAFKA_REPLICATION_FACTOR=1 KAFKA_MIN_INSYNC_REPLICAS=1
}

# kafka_classpath: the broker's jars from Maven Central, resolved once (the tests' KafkaBroker reads the same file).
kafka_classpath() {
  local file="$ROOT/tools/kafka-broker/target/classpath.txt"
  [ -f "$file" ] && [ "$file" -nt "$ROOT/tools/kafka-broker/pom.xml" ] && return 0
  say "resolving the Kafka broker's jars (tools/kafka-broker/pom.xml)"
  (cd "$ROOT" && mvn -q -B -f tools/kafka-broker/pom.xml dependency:build-classpath -Dmdep.outputFile="$file" >/dev/null)
}

kafka_stop() { stop_pid "$RUN/kafka/kafka.pid" kafka; rm -f "$RUN/kafka/kafka.pid"; }

kafka_status() {
  if alive "$RUN/kafka/kafka.pid"; then
    echo "kafka      pid $(cat "$RUN/kafka/kafka.pid"), 127.0.0.1:$KAFKA_PORT (KRaft, one broker; log $RUN/kafka/broker.log)"
  fi
}
