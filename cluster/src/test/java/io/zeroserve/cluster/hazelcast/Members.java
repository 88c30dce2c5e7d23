package io.zeroserve.cluster.hazelcast;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.zeroserve.cluster.ClusterOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Real Hazelcast members on 127.0.0.1, each on a port the OS picks, in a cluster of their own. */
final class Members implements AutoCloseable {

  private final String clusterName = "test-" + UUID.randomUUID();
  private final List<HazelcastInstance> started = new ArrayList<>();

  /** Starts a member that joins the members started so far (the first one starts alone). */
  HazelcastInstance start() {
    List<String> join = started.stream().filter(m -> m.getLifecycleService().isRunning())
        .map(Members::address).limit(1).toList();
    return start(join);
  }

  HazelcastInstance start(List<String> join) {
    ClusterOptions options = ClusterOptions.defaults()
        .withClusterName(clusterName)
        .withClusterHost("127.0.0.1")
        .withClusterPort(0)
        .withJoin(join);
    HazelcastInstance member = Hazelcast.newHazelcastInstance(HazelcastConfigs.forNode(options));
    started.add(member);
    return member;
  }

  static String address(HazelcastInstance member) {
    return "127.0.0.1:" + member.getCluster().getLocalMember().getAddress().getPort();
  }

  /** Stops every member at once: no graceful partition hand-over, which only costs time here. */
  @Override
  public void close() {
    for (HazelcastInstance member : started) {
      member.getLifecycleService().terminate();
    }
  }
}
