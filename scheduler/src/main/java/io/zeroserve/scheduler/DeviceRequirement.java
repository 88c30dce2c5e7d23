package io.zeroserve.scheduler;

/** Which devices a function's replicas may use. */
public enum DeviceRequirement {
  ANY, GPU, CPU;

  public boolean allows(DeviceKind kind) {
    return this == ANY || name().equals(kind.name());
  }
}
