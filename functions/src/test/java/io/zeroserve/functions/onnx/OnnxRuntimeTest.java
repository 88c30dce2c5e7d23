package io.zeroserve.functions.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class OnnxRuntimeTest {

  @Test
  void environment_isOneSharedInstance() {
    OrtEnvironment env = OnnxRuntime.environment();
    assertNotNull(env);
    assertSame(env, OnnxRuntime.environment());
  }

  @Test
  void afterTheEnvironmentExists_ortIsPointedAtACachedCopyOfItsLibraries() {
    OnnxRuntime.environment();
    String path = System.getProperty(NativeLibraries.ORT_PATH_PROPERTY);
    assertNotNull(path, NativeLibraries.ORT_PATH_PROPERTY + " is set");
    Path dir = Path.of(path);
    assertTrue(Files.isDirectory(dir), dir + " exists");
    assertTrue(Files.isRegularFile(dir.resolve("libonnxruntime.so")) || Files.isRegularFile(dir.resolve("libonnxruntime.dylib"))
        || Files.isRegularFile(dir.resolve("onnxruntime.dll")), "the runtime library is in " + dir);
    assertTrue(Files.isRegularFile(dir.resolve("libonnxruntime4j_jni.so"))
        || Files.isRegularFile(dir.resolve("libonnxruntime4j_jni.dylib"))
        || Files.isRegularFile(dir.resolve("onnxruntime4j_jni.dll")), "the JNI library is in " + dir);
    // Versioned, so that an upgrade never loads the old libraries.
    assertEquals("onnxruntime-" + OrtEnvironment.class.getPackage().getImplementationVersion(),
        dir.getParent().getFileName().toString());
  }

  @Test
  void cache_isUnderTheConfiguredRoot() {
    OnnxRuntime.environment();
    String root = System.getProperty(NativeLibraries.CACHE_PROPERTY);
    // Surefire sets the root to target/native-cache; other runners may use the default.
    Path expectedRoot = root != null ? Path.of(root) : Path.of(System.getProperty("user.home"), ".cache", "zeroserve");
    Path dir = Path.of(System.getProperty(NativeLibraries.ORT_PATH_PROPERTY));
    assertTrue(dir.toAbsolutePath().startsWith(expectedRoot.toAbsolutePath()), dir + " is under " + expectedRoot);
  }

  @Test
  void prepare_leavesAPathAlreadySetAlone() {
    OnnxRuntime.environment();
    String before = System.getProperty(NativeLibraries.ORT_PATH_PROPERTY);
    NativeLibraries.prepare();
    assertEquals(before, System.getProperty(NativeLibraries.ORT_PATH_PROPERTY));
  }
}
