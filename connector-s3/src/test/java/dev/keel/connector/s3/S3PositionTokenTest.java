package dev.keel.connector.s3;

import dev.keel.engine.KeelException;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The journaled {@code s3_input} position token: version 1 as written by this release (golden file
 * {@code s3-position-token-v1.bin}) keeps decoding, writing reproduces it byte for byte, and malformed tokens are
 * refused naming the endpoint.
 */
class S3PositionTokenTest
{
    private static final byte[] KEY = "trades/part-1.json".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ETAG = "\"d41d8cd98f00b204e9800998ecf8427e\"".getBytes(StandardCharsets.US_ASCII);

    private static byte[] golden() throws Exception
    {
        try (InputStream in = S3PositionTokenTest.class.getResourceAsStream("/s3-position-token-v1.bin"))
        {
            return in.readAllBytes();
        }
    }

    @Test
    void goldenVersionOneDecodesAndIsReproduced() throws Exception
    {
        final byte[] golden = golden();
        final S3PositionToken token = S3PositionToken.decode("in", new UnsafeBuffer(golden), 0, golden.length);
        assertArrayEquals(KEY, token.key());
        assertEquals(12345, token.offset());
        assertEquals(99999, token.size());
        assertArrayEquals(ETAG, token.etag());
        assertTrue(token.matches(KEY, 12345));
        assertFalse(token.matches(KEY, 12346));

        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(8);
        final int length = S3PositionToken.write(buffer, KEY, 12345, 99999, ETAG);
        final byte[] written = new byte[length];
        buffer.getBytes(0, written);
        assertArrayEquals(golden, written);
    }

    @Test
    void noRecordYetIsAValidNonEmptyToken()
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(8);
        final int length = S3PositionToken.write(buffer, new byte[0], 0, 0, new byte[0]);
        assertTrue(length > 0, "the journal requires a token for every step");
        assertTrue(S3PositionToken.decode("in", buffer, 0, length).isNone());
        assertTrue(S3PositionToken.decode("in", buffer, 0, 0).isNone());
    }

    @Test
    void malformedTokensAreRefused() throws Exception
    {
        final byte[] golden = golden();
        final KeelException cut = assertThrows(KeelException.class,
            () -> S3PositionToken.decode("trades", new UnsafeBuffer(golden), 0, golden.length - 1));
        assertEquals("CONNECTOR_BAD_POSITION", cut.code());
        assertTrue(cut.getMessage().contains("endpoint 'trades'"), cut.getMessage());
        final byte[] version = golden.clone();
        version[0] = 9;
        assertThrows(KeelException.class, () -> S3PositionToken.decode("in", new UnsafeBuffer(version), 0,
            version.length));
        final byte[] beyond = golden.clone();
        new UnsafeBuffer(beyond).putLong(4, 100_000, java.nio.ByteOrder.LITTLE_ENDIAN); // offset past the size
        assertThrows(KeelException.class, () -> S3PositionToken.decode("in", new UnsafeBuffer(beyond), 0,
            beyond.length));
    }
}
