package dev.keel.engine.connector.http;

import dev.keel.engine.connector.format.FormatSettings;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.ExpandableDirectByteBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The circuit's side of the HTTP endpoints: acknowledgements follow the durable step, never before, and neither
 * polling, the durability hooks nor copying a view's change to a connected egress client allocates.
 */
class HttpEndpointsTest
{
    private static final Schema SCHEMA = Schema.of(
        Column.of("id", ColumnType.INT64), Column.of("name", ColumnType.STRING));

    private static HttpInputEndpoint input(final long maxQueuedRecords)
    {
        return new HttpInputEndpoint("in", "t", SCHEMA, FormatSettings.json(), maxQueuedRecords, new HttpEndpoints());
    }

    private static byte[] body(final int first, final int count)
    {
        final StringBuilder body = new StringBuilder();
        for (int i = first; i < first + count; i++)
        {
            body.append("{\"insert\": {\"id\": ").append(i).append(", \"name\": \"n").append(i).append("\"}}\n");
        }
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anAckCompletesOnlyOnceTheStepThatTookItIsDurable() throws Exception
    {
        try (HttpInputEndpoint endpoint = input(100))
        {
            final ZSetBatch staging = new ZSetBatch(SCHEMA);
            final HttpInputEndpoint.Ack first = endpoint.submit(endpoint.parse(body(0, 3), FormatSettings.json()), 1);
            assertEquals(3, endpoint.poll(staging, 1000, Long.MAX_VALUE));
            endpoint.onStepSealed(1);
            final HttpInputEndpoint.Ack second = endpoint.submit(endpoint.parse(body(3, 2), FormatSettings.json()), 1);
            endpoint.onStepSealed(2); // polled nothing new: step 2 does not carry the second body
            assertEquals(2, endpoint.poll(staging, 1000, Long.MAX_VALUE));
            endpoint.onStepSealed(3);

            endpoint.agent().doWork();
            assertFalse(first.durable().isDone(), "not durable before its step is");
            endpoint.onStepsDurable(2);
            endpoint.agent().doWork();
            assertTrue(first.durable().isDone());
            assertFalse(second.durable().isDone(), "taken by step 3, which is not durable yet");
            endpoint.onStepsDurable(3);
            endpoint.agent().doWork();
            second.durable().get(1, TimeUnit.SECONDS);
            assertEquals(5, staging.size());
        }
    }

    @Test
    void aFullBufferRefusesWholeBodiesAndAParseErrorNamesTheLine()
    {
        try (HttpInputEndpoint endpoint = input(5))
        {
            endpoint.submit(endpoint.parse(body(0, 4), FormatSettings.json()), 1);
            final IngressException full = assertThrows(IngressException.class,
                () -> endpoint.submit(endpoint.parse(body(4, 2), FormatSettings.json()), 1));
            assertEquals(IngressException.Kind.FULL, full.kind());
            final IngressException tooLarge = assertThrows(IngressException.class,
                () -> endpoint.submit(endpoint.parse(body(4, 6), FormatSettings.json()), 1));
            assertEquals(IngressException.Kind.TOO_LARGE, tooLarge.kind());
            assertEquals(4, endpoint.poll(new ZSetBatch(SCHEMA), 1000, Long.MAX_VALUE), "only the accepted body");

            final byte[] bad = "{\"insert\": {\"id\": 1, \"name\": \"a\"}}\n\n{\"insert\": {\"id\": x}}\n"
                .getBytes(StandardCharsets.UTF_8);
            final IngressException error = assertThrows(IngressException.class,
                () -> endpoint.parse(bad, FormatSettings.json()));
            assertEquals(IngressException.Kind.BAD_RECORD, error.kind());
            assertEquals(3, error.line());
            assertEquals(36, error.offset());
            assertTrue(error.getMessage().contains("line 3"), error.getMessage());
        }
    }

    @Test
    void closingFailsTheAcksStillWaiting()
    {
        final HttpInputEndpoint endpoint = input(100);
        final HttpInputEndpoint.Ack ack = endpoint.submit(endpoint.parse(body(0, 1), FormatSettings.json()), 1);
        endpoint.close();
        assertTrue(ack.durable().isCompletedExceptionally());
        assertEquals(IngressException.Kind.CLOSED, assertThrows(IngressException.class,
            () -> endpoint.submit(endpoint.parse(body(1, 1), FormatSettings.json()), 1)).kind());
    }

    @Test
    void theCircuitSideAllocatesNothingInSteadyState() throws Exception
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final HttpEndpoints registry = new HttpEndpoints();
        final HttpInputEndpoint input =
            new HttpInputEndpoint("in", "t", SCHEMA, FormatSettings.json(), 1_000_000, registry);
        final HttpOutputEndpoint output = new HttpOutputEndpoint("out", "v", SCHEMA, 1 << 20, registry);
        output.open();
        final EgressClient client = output.subscribe();
        final ExpandableDirectByteBuffer lines = new ExpandableDirectByteBuffer(1 << 16);
        final ZSetBatch staging = new ZSetBatch(SCHEMA, 1 << 16);
        final ZSetBatch delta = new ZSetBatch(SCHEMA, 1 << 16);
        final RowWriter writer = new RowWriter(SCHEMA);
        final ZSetBatch body = input.parse(body(0, 8), FormatSettings.json());
        long step = 0;
        long minimum = Long.MAX_VALUE;
        for (int window = 0; window < 40; window++)
        {
            long allocated = 0;
            for (int round = 0; round < 100; round++)
            {
                input.submit(body, 1); // the server's side, not measured
                delta.clear();
                for (int i = 0; i < 8; i++)
                {
                    writer.reset().putLong(0, i).putString(1, "row").finish();
                    delta.add(writer, 1);
                }
                final long before = threads.getCurrentThreadAllocatedBytes();
                staging.clear();
                input.poll(staging, 1000, Long.MAX_VALUE);
                step++;
                input.onStepSealed(step);
                input.onStepsDurable(step);
                output.offer(step, delta);
                allocated += threads.getCurrentThreadAllocatedBytes() - before;
                input.agent().doWork();
                client.drain(lines);
            }
            minimum = Math.min(minimum, allocated);
        }
        assertEquals(0, minimum, "bytes allocated by 100 polls, seals, durable marks and egress offers");
        assertNull(client.dropReason());
        assertTrue(client.lines() > 0);
        client.close();
        assertEquals(0, output.clientCount());
        input.close();
        output.close();
    }
}
