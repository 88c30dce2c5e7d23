package io.zeroserve.examples;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/** Opens ONNX Runtime CPU sessions on the process-wide environment for the model tests. */
final class Sessions {

    static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    private Sessions() {
    }

    static OrtSession open(byte[] model) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            return ENV.createSession(model, options);
        }
    }
}
