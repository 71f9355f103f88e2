package dev.keel.tools;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What {@link Progress} shows on a terminal (one line redrawn with a bar, rate and ETA) and elsewhere (plain lines
 * at an interval), driven by a hand clock: the output depends only on the figures and times given.
 */
class ProgressTest
{
    private static final long S = TimeUnit.SECONDS.toNanos(1);
    private static final long MIB = 1024 * 1024;

    private final StringWriter text = new StringWriter();

    @Test
    void terminalRedrawsOneLineWithBarRateAndEta()
    {
        final Progress progress = new Progress(new PrintWriter(text), true, "sync", Progress.Unit.BYTES, 5 * S);
        progress.update(0, 0, 100 * MIB);
        progress.update(10 * S, 25 * MIB, 100 * MIB);
        progress.update(20 * S, 50 * MIB, 100 * MIB);
        progress.finish(40 * S, "done");

        final String out = text.toString();
        final String[] frames = out.split("\r", -1);
        assertEquals("", frames[0], "every frame starts at the line's start");
        assertEquals(4, frames.length, out);
        assertEquals("sync  [........................] 0% 0 B/100.0 MiB, rate -, ETA -, 0s elapsed", frames[1].strip());
        assertEquals("sync  [######..................] 25% 25.0 MiB/100.0 MiB, 2.5 MiB/s, ETA 30s, 10s elapsed",
            frames[2].strip());
        // 50 MiB in 20 s: 2.5 MiB/s, 50 MiB to go: 20 s
        assertTrue(frames[3].startsWith("sync  [############............] 50% 50.0 MiB/100.0 MiB, 2.5 MiB/s, " +
            "ETA 20s, 20s elapsed\n"), frames[3]);
        assertTrue(frames[3].endsWith("sync: done after 40s (50.0 MiB of 100.0 MiB, 1.3 MiB/s)\n"), frames[3]);
    }

    @Test
    void terminalBlanksWhatALongerFrameLeft()
    {
        final Progress progress = new Progress(new PrintWriter(text), true, "x", Progress.Unit.STEPS, S);
        progress.update(0, 0, 1_000_000);
        progress.update(90 * S, 1_000_000, 1_000_000);
        progress.update(91 * S, 1_000_000, 0);
        final String[] frames = text.toString().split("\r", -1);
        assertEquals("x  [########################] 100% 1000000 steps/1000000 steps, 11111.1 steps/s, ETA 0s, " +
            "1m30s elapsed", frames[2]);
        assertEquals(frames[2].length(), frames[3].length(), "a shorter frame is padded over the longer one");
        assertEquals("x  1000000 steps, 10989.0 steps/s, 1m31s elapsed", frames[3].strip());
    }

    @Test
    void plainLinesAtTheIntervalAndNoCarriageReturn()
    {
        final Progress progress = new Progress(new PrintWriter(text), false, "replay", Progress.Unit.BYTES, 5 * S);
        progress.update(0, 0, 4096);
        progress.update(1 * S, 1024, 4096);
        progress.update(4 * S, 2048, 4096);
        progress.update(5 * S, 3072, 4096);
        progress.update(6 * S, 3500, 4096);
        progress.finish(8 * S, "done");

        final String out = text.toString();
        assertFalse(out.contains("\r"), out);
        assertEquals("replay: 75% 3.0 KiB/4.0 KiB, 614 B/s, ETA 1s, 5s elapsed\n" +
            "replay: done after 8s (3.4 KiB of 4.0 KiB, 437 B/s)\n", out);
    }

    @Test
    void unknownTotalAndNothingToCount()
    {
        final Progress bytes = new Progress(new PrintWriter(text), false, "pull", Progress.Unit.BYTES, S);
        bytes.update(0, 0, 0);
        bytes.update(S / 2, MIB, 0);
        bytes.update(2 * S, 3 * MIB, 0);
        assertEquals("pull: 3.0 MiB, 1.5 MiB/s, 2s elapsed\n", text.toString(), "the first line after one interval");

        text.getBuffer().setLength(0);
        final Progress none = new Progress(new PrintWriter(text), false, "checkpoint #3", Progress.Unit.NONE, S);
        none.begin(0);
        none.update(S / 2, 0, 0);
        none.update(3_700 * S, 0, 0);
        none.finish(3_701 * S, "failed");
        assertEquals("checkpoint #3: waiting 1h01m\ncheckpoint #3: failed after 1h01m\n", text.toString());

        text.getBuffer().setLength(0);
        final Progress quick = new Progress(new PrintWriter(text), false, "checkpoint #4", Progress.Unit.NONE, 5 * S);
        quick.begin(0);
        quick.update(S, 0, 0);
        quick.finish(2 * S, "done");
        assertEquals("checkpoint #4: done after 2s\n", text.toString(), "a wait shorter than an interval: the outcome");

        text.getBuffer().setLength(0);
        new Progress(new PrintWriter(text), true, "never", Progress.Unit.NONE, S).finish(0, "done");
        assertEquals("never: done\n", text.toString(), "finished before any figures: the outcome only");
    }

    @Test
    void units()
    {
        assertEquals("1023 B", Progress.bytes(1023));
        assertEquals("1.5 KiB", Progress.bytes(1536));
        assertEquals("2.0 GiB", Progress.bytes(2L << 30));
        assertEquals("59s", Progress.duration(59 * S + 999));
        assertEquals("2m05s", Progress.duration(125 * S));
    }
}
