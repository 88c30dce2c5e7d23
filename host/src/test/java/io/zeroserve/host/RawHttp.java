package io.zeroserve.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 over a plain socket, for requests no well-behaved client sends: lying lengths, broken
 * framing, bytes dribbled one at a time. Every read is bounded by a socket timeout.
 */
final class RawHttp {

  private RawHttp() {}

  /** One answer: status, headers (lower-case names) and body; status -1 when the server closed without one. */
  record Answer(int status, Map<String, String> headers, String body) {

    static final Answer CLOSED = new Answer(-1, Map.of(), "");

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** Sends {@code request} as is on a new connection and reads one answer. */
  static Answer exchange(int port, byte[] request, int timeoutMs) throws IOException {
    try (Socket socket = new Socket(NodeFixture.HOST, port)) {
      socket.setSoTimeout(timeoutMs);
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      return read(socket.getInputStream());
    }
  }

  static Answer exchange(int port, String request, int timeoutMs) throws IOException {
    return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1), timeoutMs);
  }

  /** Reads one answer; {@link Answer#CLOSED} if the connection ends (or is reset) before a status line. */
  static Answer read(InputStream in) throws IOException {
    String statusLine;
    try {
      statusLine = line(in);
    } catch (java.net.SocketException e) {
      return Answer.CLOSED; // reset
    }
    if (statusLine == null) {
      return Answer.CLOSED;
    }
    String[] parts = statusLine.split(" ", 3);
    int status = Integer.parseInt(parts[1]);
    Map<String, String> headers = new TreeMap<>();
    String line;
    while ((line = line(in)) != null && !line.isEmpty()) {
      int colon = line.indexOf(':');
      headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(length);
    return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
  }

  /**
   * True when the server closes the connection within {@code timeoutMs}, reading and dropping
   * whatever it sends first.
   */
  static boolean closesWithin(Socket socket, int timeoutMs) throws IOException {
    socket.setSoTimeout(timeoutMs);
    try {
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[4096];
      while (in.read(buffer) >= 0) {
        // drained
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (java.net.SocketException e) {
      return true; // reset by the server
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        byte[] bytes = out.toByteArray();
        int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
      }
      out.write(b);
    }
    return out.size() == 0 ? null : out.toString(StandardCharsets.ISO_8859_1);
  }
}
