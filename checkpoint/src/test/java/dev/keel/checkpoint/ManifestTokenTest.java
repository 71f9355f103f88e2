package dev.keel.checkpoint;

import dev.keel.engine.spi.CheckpointMetadata;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Manifest schema version 2: the position tokens of the inputs that use them survive an encode/decode round trip,
 * inputs without one decode with none.
 */
class ManifestTokenTest
{
    @Test
    void inputTokensRoundTrip()
    {
        final Map<String, Long> inputs = new LinkedHashMap<>();
        inputs.put("orders", 1234L);
        inputs.put("quotes", 7L);
        final Map<String, byte[]> tokens = new LinkedHashMap<>();
        tokens.put("orders", "p0=17,p1=42".getBytes(StandardCharsets.US_ASCII));
        final Map<String, CheckpointMetadata.OutputPosition> outputs = new LinkedHashMap<>();
        outputs.put("out", new CheckpointMetadata.OutputPosition(99, 5));
        final CheckpointMetadata metadata = new CheckpointMetadata(0xBEEFL, 5, 5, 4096, inputs, outputs,
            new byte[]{1, 2, 3}, "exactly_once", 1_700_000_000_000L, tokens);
        final Manifest manifest = new Manifest(UUID.randomUUID(), metadata, 4096, 0, new byte[0], List.of());

        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(1024);
        final int length = manifest.encode(buffer);
        final byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        final Manifest decoded = Manifest.decode(new UnsafeBuffer(bytes), "test manifest");

        assertEquals(metadata, decoded.metadata);
        assertArrayEquals(tokens.get("orders"), decoded.metadata.inputToken("orders"));
        assertNull(decoded.metadata.inputToken("quotes"));
        assertEquals(1234L, decoded.metadata.inputPositions().get("orders"));
    }
}
