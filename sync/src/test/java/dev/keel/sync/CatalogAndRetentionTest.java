package dev.keel.sync;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CatalogAndRetentionTest
{
    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

    private static RemoteCheckpoint checkpoint(final long step, final Instant createdAt, final String... files)
    {
        final List<LocalFile> list = new ArrayList<>();
        for (final String name : files)
        {
            list.add(LocalFile.data(name, name.length()));
        }
        list.add(LocalFile.marker("checkpoints/" + step + "/manifest", 10));
        return new RemoteCheckpoint(new UUID(0, step), step, createdAt, list);
    }

    @Test
    void catalogRoundTripsNewestFirstAndRejectsDamage()
    {
        final Catalog catalog = new Catalog("node-a", 3, List.of(
            checkpoint(1, T0, "p/a b.dat"), checkpoint(3, T0.plusSeconds(2), "p/c"), checkpoint(2, T0, "p/b")));
        final byte[] bytes = catalog.encode();
        final Catalog decoded = Catalog.decode(bytes, "s3://b/keel-sync.catalog");
        assertEquals("node-a", decoded.owner);
        assertEquals(3, decoded.generation);
        assertEquals(List.of(3L, 2L, 1L), decoded.checkpoints.stream().map(RemoteCheckpoint::step)
            .collect(Collectors.toList()));
        assertEquals(catalog.checkpoints, decoded.checkpoints);
        assertTrue(new String(bytes, StandardCharsets.UTF_8).startsWith("KEEL-SYNC-CATALOG 1\nowner node-a\n"));

        final byte[] flipped = bytes.clone();
        flipped[40] ^= 1;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Catalog.decode(flipped, "x")).getMessage()
            .contains("crc32"));
        final byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 5);
        assertThrows(IllegalArgumentException.class, () -> Catalog.decode(truncated, "x"));
        final byte[] future = new String(new Catalog("n", 0, List.of()).encode(), StandardCharsets.UTF_8)
            .replace("KEEL-SYNC-CATALOG 1", "KEEL-SYNC-CATALOG 2").getBytes(StandardCharsets.UTF_8);
        // The CRC no longer matches either; rebuild it to reach the version check.
        final String body = new String(future, StandardCharsets.UTF_8);
        final String withoutTrailer = body.substring(0, body.lastIndexOf("crc32 "));
        final java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(withoutTrailer.getBytes(StandardCharsets.UTF_8));
        final byte[] v2 = (withoutTrailer + String.format("crc32 %08x\n", crc.getValue()))
            .getBytes(StandardCharsets.UTF_8);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Catalog.decode(v2, "x")).getMessage()
            .contains("version 2"));
    }

    @Test
    void retentionNeedsMoreThanMinCountNewerAndOlderThanMinAge()
    {
        final Instant now = T0.plus(Duration.ofDays(40));
        final List<RemoteCheckpoint> newestFirst = new ArrayList<>();
        // steps 6..1, step 1 and 2 old (35 days), 3 old, 4..6 young
        newestFirst.add(checkpoint(6, now.minus(Duration.ofDays(1)), "p/6"));
        newestFirst.add(checkpoint(5, now.minus(Duration.ofDays(2)), "p/5"));
        newestFirst.add(checkpoint(4, now.minus(Duration.ofDays(3)), "p/4", "p/shared"));
        newestFirst.add(checkpoint(3, now.minus(Duration.ofDays(31)), "p/3"));
        newestFirst.add(checkpoint(2, now.minus(Duration.ofDays(35)), "p/2", "p/shared"));
        newestFirst.add(checkpoint(1, now.minus(Duration.ofDays(35)), "p/1"));

        // min count 2, min age 30 days: step 3 has 3 newer and is 31 days old -> retired; 2 and 1 too.
        final Retention plan = Retention.plan(newestFirst, now, 2, 30);
        assertEquals(List.of(6L, 5L, 4L), plan.kept.stream().map(RemoteCheckpoint::step).collect(Collectors.toList()));
        assertEquals(List.of(3L, 2L, 1L), plan.retired.stream().map(RemoteCheckpoint::step)
            .collect(Collectors.toList()));
        // p/shared is still listed by step 4.
        assertEquals(List.of("checkpoints/3/manifest", "p/3", "checkpoints/2/manifest", "p/2",
            "checkpoints/1/manifest", "p/1").stream().sorted().collect(Collectors.toList()),
            plan.filesToDelete.stream().sorted().collect(Collectors.toList()));

        // Count alone is not enough: with min age 32 days, step 3 (31 days) stays.
        assertEquals(List.of(2L, 1L), Retention.plan(newestFirst, now, 2, 32).retired.stream()
            .map(RemoteCheckpoint::step).collect(Collectors.toList()));
        // Age alone is not enough: with min count 4, only step 1 has more than 4 newer.
        assertEquals(List.of(1L), Retention.plan(newestFirst, now, 4, 0).retired.stream()
            .map(RemoteCheckpoint::step).collect(Collectors.toList()));
        // Exactly min count newer ones is not "more than": nothing goes with min count 5.
        assertTrue(Retention.plan(newestFirst, now, 5, 0).retired.isEmpty());
    }

    @Test
    void fileNamesMustBeRelativeAndClean()
    {
        for (final String bad : new String[]{"", "/abs", "a/../b", "a//b", "./a", "a/", "a\\b", "a\nb"})
        {
            assertThrows(IllegalArgumentException.class, () -> LocalFile.data(bad, 1), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> LocalFile.data("a", -1));
        assertThrows(IllegalArgumentException.class, () -> new LocalCheckpoint(UUID.randomUUID(), 1, T0,
            List.of(LocalFile.data("a", 1), LocalFile.data("a", 1))));
    }
}
