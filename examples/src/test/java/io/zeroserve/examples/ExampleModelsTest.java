package io.zeroserve.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExampleModelsTest {

    private static final Pattern FUNCTION_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");

    @Test
    void all_namesEachModelLikeAFunctionInAStableOrder() {
        Map<String, byte[]> models = ExampleModels.all();

        assertEquals(List.of("iris-mlp", "multi-io", "heavy-mlp"), List.copyOf(models.keySet()));
        models.keySet().forEach(name -> assertTrue(FUNCTION_NAME.matcher(name).matches(), name));
    }

    @Test
    void all_loadsEveryModelInOnnxRuntime() throws OrtException {
        for (Map.Entry<String, byte[]> model : ExampleModels.all().entrySet()) {
            try (OrtSession session = Sessions.open(model.getValue())) {
                assertTrue(session.getNumInputs() > 0, model.getKey());
            }
        }
    }

    @Test
    void models_areTheSameBytesOnEveryCall() {
        assertArrayEquals(ExampleModels.irisMlp(), ExampleModels.irisMlp());
        assertArrayEquals(ExampleModels.multiIo(), ExampleModels.multiIo());
        assertArrayEquals(ExampleModels.heavyMlp(), ExampleModels.heavyMlp());
    }

    @Test
    void heavyMlp_staysUnderFortyMegabytes() {
        assertTrue(ExampleModels.heavyMlp().length < 40_000_000, "bytes: " + ExampleModels.heavyMlp().length);
    }

    @Test
    void withExternalData_pointsAnInitializerAtWeightsBin() throws InvalidProtocolBufferException {
        UnknownFieldSet graph = field(UnknownFieldSet.parseFrom(ExampleModels.withExternalData()), 7);
        UnknownFieldSet initializer = field(graph, 5);

        assertEquals(List.of(1L), initializer.getField(14).getVarintList(), "data_location = EXTERNAL");
        UnknownFieldSet location = UnknownFieldSet.parseFrom(initializer.getField(13).getLengthDelimitedList().get(0));
        assertEquals("location", location.getField(1).getLengthDelimitedList().get(0).toStringUtf8());
        assertEquals("weights.bin", location.getField(2).getLengthDelimitedList().get(0).toStringUtf8());
    }

    @Test
    void withExternalData_doesNotLoadFromBytesAlone() {
        assertThrows(OrtException.class, () -> Sessions.open(ExampleModels.withExternalData()).close());
    }

    @Test
    void withCustomOpDomain_importsTheDomainItsNodeUses() throws InvalidProtocolBufferException {
        UnknownFieldSet model = UnknownFieldSet.parseFrom(ExampleModels.withCustomOpDomain());
        UnknownFieldSet node = field(field(model, 7), 1);

        assertEquals("com.example.custom", node.getField(7).getLengthDelimitedList().get(0).toStringUtf8());
        List<String> domains = model.getField(8).getLengthDelimitedList().stream()
                .map(ExampleModelsTest::parse)
                .map(opset -> opset.getField(1).getLengthDelimitedList().get(0).toStringUtf8())
                .toList();
        assertEquals(List.of("", "com.example.custom"), domains);
    }

    @Test
    void withCustomOpDomain_isRejectedByOnnxRuntimeWithoutTheOperator() {
        assertThrows(OrtException.class, () -> Sessions.open(ExampleModels.withCustomOpDomain()).close());
    }

    @Test
    void main_writesEveryModelAsAnOnnxFile(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("models");

        ExampleModelsMain.main(new String[] {out.toString()});

        for (Map.Entry<String, byte[]> model : ExampleModels.all().entrySet()) {
            assertArrayEquals(model.getValue(), Files.readAllBytes(out.resolve(model.getKey() + ".onnx")));
        }
    }

    /** The first occurrence of a message field. */
    private static UnknownFieldSet field(UnknownFieldSet message, int number) {
        return parse(message.getField(number).getLengthDelimitedList().get(0));
    }

    private static UnknownFieldSet parse(ByteString bytes) {
        try {
            return UnknownFieldSet.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
