package io.zeroserve.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes every model of {@link ExampleModels#all()} to a directory as {@code <name>.onnx}. The build
 * runs it at {@code prepare-package} to fill {@code examples/target/models} for the demo.
 */
public final class ExampleModelsMain {

    private ExampleModelsMain() {
    }

    /** {@code args[0]}: the output directory, created if missing; existing files are replaced. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ExampleModelsMain <output-directory>");
            System.exit(2);
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        for (Map.Entry<String, byte[]> model : ExampleModels.all().entrySet()) {
            Path file = dir.resolve(model.getKey() + ".onnx");
            Files.write(file, model.getValue());
            System.out.printf("wrote %s (%,d bytes)%n", file, model.getValue().length);
        }
    }
}
