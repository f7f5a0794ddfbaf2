package io.teleport.benchmark;

import com.google.protobuf.Descriptors.FieldDescriptor;
import io.teleport.benchmark.proto.BenchmarkMessage;

/** The rpc-benchmark request and the server's answer to it. */
public final class Workload {

    /** The text of every string field. */
    public static final String TEXT = "许多往事在眼前一幕一幕，变的那麼模糊";

    /** The route, controller {@code Hello}, method {@code say}. */
    public static final String URI = "/hello/say";

    private Workload() {
    }

    /** Every singular field set: ints to 100000, bools to true, strings to {@link #TEXT}; 581 bytes. */
    public static BenchmarkMessage request() {
        BenchmarkMessage.Builder b = BenchmarkMessage.newBuilder();
        for (FieldDescriptor field : BenchmarkMessage.getDescriptor().getFields()) {
            if (field.isRepeated()) {
                continue;
            }
            switch (field.getJavaType()) {
                case INT:
                    b.setField(field, 100000);
                    break;
                case LONG:
                    b.setField(field, 100000L);
                    break;
                case BOOLEAN:
                    b.setField(field, true);
                    break;
                case STRING:
                    b.setField(field, TEXT);
                    break;
                default:
                    throw new IllegalStateException("unexpected field type " + field);
            }
        }
        return b.build();
    }

    /** The server's work: field1 = "OK", field2 = 100. */
    public static BenchmarkMessage answer(BenchmarkMessage request) {
        return request.toBuilder().setField1("OK").setField2(100).build();
    }

    /** The pull controller of the server: {@code /hello/say}. */
    public static class Hello {
        /** Answers one request. */
        public BenchmarkMessage say(BenchmarkMessage request) {
            return answer(request);
        }
    }
}
