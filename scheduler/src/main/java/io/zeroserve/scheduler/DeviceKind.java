package io.zeroserve.scheduler;

import java.util.Locale;

/** What kind of processor a device is. */
public enum DeviceKind {
  CPU, GPU;

  public String text() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static DeviceKind parse(String text) {
    for (DeviceKind k : values()) {
      if (k.name().equalsIgnoreCase(text)) {
        return k;
      }
    }
    throw new IllegalArgumentException("device kind must be cpu or gpu, was: " + text);
  }
}
