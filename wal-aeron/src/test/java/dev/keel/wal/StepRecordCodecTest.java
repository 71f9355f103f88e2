package dev.keel.wal;

import dev.keel.engine.spi.StepRecord;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The step record encoding against a golden file of schema version 1: a change of the encoding fails here, and
 * records written by version 1 must keep decoding when the schema grows.
 */
class StepRecordCodecTest
{
    private static final String GOLDEN_V1 = "/golden/step-record-v1.hex";
    private static final String GOLDEN_V2 = "/golden/step-record-v2.hex";

    /** The version 2 golden record: endpoints 0 and 2 carry position tokens. */
    static StepRecord goldenRecordV2()
    {
        final StepRecord record = goldenRecord();
        final byte[] token0 = "orders-0:17;orders-1:42".getBytes(StandardCharsets.US_ASCII);
        record.tokenForWrite(0).putBytes(0, token0);
        record.tokenLength(0, token0.length);
        record.tokenForWrite(2).putLong(0, 0x1122334455667788L);
        record.tokenLength(2, 8);
        return record;
    }

    @Test
    void encodingMatchesTheVersion2GoldenFile() throws Exception
    {
        final StepRecordProxy proxy = new StepRecordProxy(1024);
        final int length = proxy.encode(goldenRecordV2());
        assertEquals(StepRecordProxy.encodedLength(goldenRecordV2()), length);
        assertEquals(readGolden(GOLDEN_V2), hex(proxy.buffer(), length));
    }

    @Test
    void version2GoldenFileDecodesWithTokens() throws Exception
    {
        final byte[] bytes = unhex(readGolden(GOLDEN_V2));
        final StepRecordAdapter adapter = new StepRecordAdapter();
        assertEquals(StepRecordAdapter.OK, adapter.verify(new UnsafeBuffer(bytes), 0, bytes.length));
        final StepRecord decoded = adapter.decode(new StepRecord());
        assertEquals(42, decoded.step());
        assertEquals(1_000_000L, decoded.position(0));
        assertEquals("orders-0:17;orders-1:42", decoded.token(0).getStringWithoutLengthAscii(0, decoded.tokenLength(0)));
        assertEquals("hello journal", decoded.data(1).getStringWithoutLengthAscii(0, decoded.dataLength(1)));
        assertEquals(0, decoded.tokenLength(1));
        assertEquals(0x1122334455667788L, decoded.token(2).getLong(0));
        assertEquals(8, decoded.tokenLength(2));
        for (int bit = 0; bit < bytes.length * 8; bit++)
        {
            final byte[] flipped = bytes.clone();
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            assertNotEquals(StepRecordAdapter.OK, adapter.verify(new UnsafeBuffer(flipped), 0, flipped.length),
                "bit " + bit);
        }
    }

    @Test
    void version1GoldenFileDecodesWithoutTokens() throws Exception
    {
        final byte[] bytes = unhex(readGolden());
        final StepRecordAdapter adapter = new StepRecordAdapter();
        assertEquals(StepRecordAdapter.OK, adapter.verify(new UnsafeBuffer(bytes), 0, bytes.length));
        final StepRecord decoded = adapter.decode(new StepRecord());
        for (int i = 0; i < decoded.endpointCount(); i++)
        {
            assertEquals(0, decoded.tokenLength(i));
        }
    }

    static StepRecord goldenRecord()
    {
        final StepRecord record = new StepRecord().reset(42, 4242, 3).inputCount(7).inputHash(0x0123456789ABCDEFL);
        record.position(0, 1_000_000L);
        record.data(1, new UnsafeBuffer("hello journal".getBytes(StandardCharsets.US_ASCII)), 0, 13);
        record.position(2, 0);
        return record;
    }

    @Test
    void encodingMatchesTheVersion1GoldenFile() throws Exception
    {
        final StepRecordProxy proxy = new StepRecordProxy(1024);
        final int length = proxy.encode(goldenRecord());
        assertEquals(StepRecordProxy.encodedLength(goldenRecord()), length);
        assertEquals(readGolden(), hex(proxy.buffer(), length));
    }

    @Test
    void version1GoldenFileDecodes() throws Exception
    {
        final byte[] bytes = unhex(readGolden());
        final StepRecordAdapter adapter = new StepRecordAdapter();
        assertEquals(StepRecordAdapter.OK, adapter.verify(new UnsafeBuffer(bytes), 0, bytes.length));
        final StepRecord decoded = adapter.decode(new StepRecord());
        assertEquals(42, decoded.step());
        assertEquals(4242, decoded.transactionId());
        assertEquals(7, decoded.inputCount());
        assertEquals(0x0123456789ABCDEFL, decoded.inputHash());
        assertEquals(3, decoded.endpointCount());
        assertEquals(1_000_000L, decoded.position(0));
        assertEquals(StepRecord.NO_POSITION, decoded.position(1));
        assertEquals("hello journal", decoded.data(1).getStringWithoutLengthAscii(0, decoded.dataLength(1)));
        assertEquals(0, decoded.position(2));
        assertEquals(0, decoded.dataLength(2));
    }

    @Test
    void everyFlippedBitIsDetected() throws Exception
    {
        final byte[] golden = unhex(readGolden());
        final StepRecordAdapter adapter = new StepRecordAdapter();
        for (int bit = 0; bit < golden.length * 8; bit++)
        {
            final byte[] bytes = golden.clone();
            bytes[bit / 8] ^= (byte)(1 << (bit % 8));
            final int status = adapter.verify(new UnsafeBuffer(bytes), 0, bytes.length);
            assertNotEquals(StepRecordAdapter.OK, status, "bit " + bit);
        }
        assertEquals(StepRecordAdapter.TOO_SHORT, adapter.verify(new UnsafeBuffer(golden), 0, 20));
        assertNotEquals(StepRecordAdapter.OK, adapter.verify(new UnsafeBuffer(golden), 0, golden.length - 1), "cut short");
    }

    private static void assertNotEquals(final int unexpected, final int actual, final String message)
    {
        org.junit.jupiter.api.Assertions.assertNotEquals(unexpected, actual, message);
    }

    private static String readGolden() throws Exception
    {
        return readGolden(GOLDEN_V1);
    }

    private static String readGolden(final String golden) throws Exception
    {
        try (InputStream in = StepRecordCodecTest.class.getResourceAsStream(golden))
        {
            assertNotNull(in, golden);
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
        }
    }

    static String hex(final UnsafeBuffer buffer, final int length)
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++)
        {
            sb.append(String.format("%02x", buffer.getByte(i)));
        }
        return sb.toString();
    }

    private static byte[] unhex(final String hex)
    {
        final byte[] bytes = new byte[hex.length() / 2];
        for (int i = 0; i < bytes.length; i++)
        {
            bytes[i] = (byte)Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }

    /** Writes the golden file; run once per new schema version, never to "fix" a failing test. */
    public static void main(final String[] args) throws Exception
    {
        final StepRecordProxy proxy = new StepRecordProxy(1024);
        final int length = proxy.encode(args.length > 1 && "v2".equals(args[1]) ? goldenRecordV2() : goldenRecord());
        Files.writeString(Path.of(args[0]), hex(proxy.buffer(), length) + "\n");
    }
}
