package io.teleport.proto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.teleport.message.Rerror;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** An erpc v6 status survives the Rerror JSON it is kept as, whatever its text holds. */
class ErpcStatusTest {

    @Test
    void statusesWithBackslashesAndControlCharactersReEncodeByteForByte() {
        for (String status : new String[] {
            "code=1008&msg=regex%20%5Cd%2B%20%5Cu12%20bad",
            "code=1&msg=C%3A%5Cdir%5Cx&cause=C%3A%5Ctemp%5Cnew.txt",
            "code=2&msg=a%22b%0Ac%09&cause=",
        }) {
            ByteBuf in = Unpooled.copiedBuffer(status, StandardCharsets.US_ASCII);
            ByteBuf out = Unpooled.buffer();
            try {
                String json = ErpcStatus.read(in, 0, in.readableBytes());
                assertThat(json).isNotNull();
                ErpcStatus.write(json, out);
                assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo(status);
            } finally {
                in.release();
                out.release();
            }
        }
    }

    @Test
    void aJavaErrorWithABackslashIsNotWrittenAsASuccess() {
        ByteBuf out = Unpooled.buffer();
        try {
            ErpcStatus.write(new Rerror(1008, "regex \\d+ \\u12 bad", "C:\\dir").toJson(), out);
            assertThat(out.toString(StandardCharsets.US_ASCII))
                    .isEqualTo("code=1008&msg=regex%20%5Cd%2B%20%5Cu12%20bad&cause=C%3A%5Cdir");
        } finally {
            out.release();
        }
    }
}
