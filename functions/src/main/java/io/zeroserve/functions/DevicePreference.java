package io.zeroserve.functions;

import java.util.Locale;

/** Where a function's replicas may run. */
public enum DevicePreference {
  ANY, GPU, CPU;

  public static DevicePreference parse(String text) {
    if (text != null) {
      for (DevicePreference p : values()) {
        if (p.name().equalsIgnoreCase(text)) {
          return p;
        }
      }
    }
    throw FunctionException.badRequest("device must be one of any, gpu, cpu, was: " + text);
  }

  public String text() {
    return name().toLowerCase(Locale.ROOT);
  }
}
