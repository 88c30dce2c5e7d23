package io.zeroserve.functions.replica;

/** Names a replica: function, version, and a number unique on its node. */
public record ReplicaId(String function, int version, long number) {
  @Override
  public String toString() {
    return function + "@v" + version + "#" + number;
  }
}
