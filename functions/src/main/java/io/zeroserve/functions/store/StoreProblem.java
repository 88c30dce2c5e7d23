package io.zeroserve.functions.store;

/**
 * Something in the data dir that could not be served: a corrupt or half-written metadata file, a
 * missing or corrupt artifact. Reported through the API, never served.
 *
 * @param path the file, relative to the data dir
 * @param function the function it belongs to, when known
 * @param message what is wrong
 */
public record StoreProblem(String path, String function, String message) {}
