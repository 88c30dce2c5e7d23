package io.zeroserve.functions.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Gives ONNX Runtime a fixed directory of its native libraries. Left alone, ORT extracts them to a
 * new temp directory on every start and leaves it behind whenever the JVM dies before its clean-up
 * (kill -9, a crash): a node that restarts often fills /tmp. Here they are copied once per version
 * into a cache directory, and {@code onnxruntime.native.path} points ORT there.
 */
final class NativeLibraries {

  /** System property naming the cache root; default {@code ~/.cache/zeroserve}. */
  static final String CACHE_PROPERTY = "zeroserve.native.cache";
  static final String ORT_PATH_PROPERTY = "onnxruntime.native.path";

  private NativeLibraries() {}

  /** Points ORT at the cached copy, making it first if needed; does nothing when the user set the path. */
  static void prepare() {
    if (System.getProperty(ORT_PATH_PROPERTY) != null) {
      return;
    }
    String platform = platform();
    List<String> libraries = platform.startsWith("osx")
        ? List.of("libonnxruntime.dylib", "libonnxruntime4j_jni.dylib")
        : platform.startsWith("win") ? List.of("onnxruntime.dll", "onnxruntime4j_jni.dll")
        : List.of("libonnxruntime.so", "libonnxruntime4j_jni.so");
    String version = ai.onnxruntime.OrtEnvironment.class.getPackage().getImplementationVersion();
    String root = System.getProperty(CACHE_PROPERTY,
        Path.of(System.getProperty("user.home"), ".cache", "zeroserve").toString());
    Path dir = Path.of(root, "onnxruntime-" + (version == null ? "unknown" : version), platform);
    try {
      Files.createDirectories(dir);
      for (String library : libraries) {
        Path target = dir.resolve(library);
        if (Files.isRegularFile(target)) {
          continue;
        }
        try (InputStream in = NativeLibraries.class.getResourceAsStream("/ai/onnxruntime/native/" + platform + "/" + library)) {
          if (in == null) {
            return; // not bundled for this platform: let ORT look on its own
          }
          // Copy then rename, so a concurrent start never loads a half-written library.
          Path temp = dir.resolve(library + ".tmp-" + UUID.randomUUID());
          Files.copy(in, temp);
          Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot cache ONNX Runtime's native libraries in " + dir, e);
    }
    System.setProperty(ORT_PATH_PROPERTY, dir.toString());
  }

  /** ORT's name for this platform's resource directory, e.g. {@code linux-x64}. */
  private static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String osName = os.contains("mac") || os.contains("darwin") ? "osx" : os.contains("win") ? "win" : "linux";
    String archName = arch.equals("amd64") || arch.equals("x86_64") ? "x64" : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : arch;
    return osName + "-" + archName;
  }
}
