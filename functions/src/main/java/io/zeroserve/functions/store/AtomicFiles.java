package io.zeroserve.functions.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Durable file replacement: write to a temp file beside the target, fsync it, rename it over the
 * target, fsync the directory. After {@link #write} returns, the new content survives a crash of the
 * process or the machine; before it returns, readers see the old content or none, never a mix.
 * Blocking: call from a worker thread.
 */
public final class AtomicFiles {

  private AtomicFiles() {}

  public static void write(Path target, byte[] content) throws IOException {
    Path temp = target.resolveSibling("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(content);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    } catch (IOException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    moveDurably(temp, target);
  }

  /** Renames a file that is already fsynced into place and fsyncs the directory that now holds it. */
  public static void moveDurably(Path source, Path target) throws IOException {
    Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    fsyncDirectory(target.getParent());
  }

  public static void fsync(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  /** Makes a rename or delete in this directory durable. */
  public static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems refuse to open directories for fsync; the rename is then as durable as they allow.
      if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
        return;
      }
      throw e;
    }
  }

  /** Deletes a file and makes the delete durable. */
  public static void deleteDurably(Path file) throws IOException {
    if (Files.deleteIfExists(file)) {
      fsyncDirectory(file.getParent());
    }
  }
}
