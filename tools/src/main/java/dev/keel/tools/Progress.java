package dev.keel.tools;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Shows the progress of a long wait of a {@code keel} command ({@code --wait}): on a terminal one line redrawn in
 * place (a bar, the figures, the rate and the ETA), otherwise a plain line every {@code plainIntervalNs}, so that a
 * log or a CI console gets a few readable lines rather than carriage returns.
 * <p>
 * The caller passes the time with every call, so that what is shown depends only on the figures given (tests feed
 * their own clock). The rate is the average since the first figures seen; the ETA is what remains at that rate.
 * The first plain line comes one interval after the start: a short wait shows only its outcome.
 */
final class Progress
{
    /** What the figures count. */
    enum Unit
    {
        /** Bytes, shown in KiB/MiB/GiB. */
        BYTES,
        /** Steps (of a replay). */
        STEPS,
        /** Nothing to count: only the time waited is shown. */
        NONE
    }

    private static final int BAR_WIDTH = 24;

    private final PrintWriter out;
    private final boolean terminal;
    private final String label;
    private final Unit unit;
    private final long plainIntervalNs;
    private boolean started;
    private boolean counting;
    private long startNs;
    private long startDone;
    private long rateStartNs;
    private long nextPlainNs;
    private int lastLength;
    private long lastDone;
    private long lastTotal;

    /**
     * @param out             where to write.
     * @param terminal        true to redraw one line in place (stdout is a terminal), false for plain lines.
     * @param label           what is waited for, e.g. {@code "sync 6f1c..."}.
     * @param unit            what the figures count.
     * @param plainIntervalNs at least this long between two plain lines.
     */
    Progress(final PrintWriter out, final boolean terminal, final String label, final Unit unit,
        final long plainIntervalNs)
    {
        this.out = out;
        this.terminal = terminal;
        this.label = label;
        this.unit = unit;
        this.plainIntervalNs = plainIntervalNs;
    }

    /** A progress for the standard output: redrawn in place when it is a terminal. */
    static Progress forConsole(final PrintWriter out, final String label, final Unit unit)
    {
        return new Progress(out, null != System.console(), label, unit, TimeUnit.SECONDS.toNanos(5));
    }

    /**
     * Starts the clock (elapsed time, rate) without showing anything; the first {@link #update} does otherwise.
     *
     * @param nowNs the time.
     */
    void begin(final long nowNs)
    {
        if (!started)
        {
            started = true;
            startNs = nowNs;
            // a wait shorter than one interval prints no plain line, only its outcome
            nextPlainNs = nowNs + plainIntervalNs;
        }
    }

    /**
     * New figures.
     *
     * @param nowNs the time, from any monotonic clock ({@link System#nanoTime()}).
     * @param done  how much is done.
     * @param total how much there is in all, or a value {@code <= 0} if unknown.
     */
    void update(final long nowNs, final long done, final long total)
    {
        if (!started)
        {
            begin(nowNs);
        }
        if (!counting)
        {
            counting = true;
            startDone = done;
            rateStartNs = nowNs;
        }
        lastDone = done;
        lastTotal = total;
        if (terminal)
        {
            final String line = line(nowNs, done, total, true);
            final StringBuilder sb = new StringBuilder(line.length() + 1 + lastLength).append('\r').append(line);
            for (int i = line.length(); i < lastLength; i++)
            {
                sb.append(' ');
            }
            lastLength = line.length();
            out.print(sb);
            out.flush();
        }
        else if (nowNs - nextPlainNs >= 0)
        {
            nextPlainNs = nowNs + plainIntervalNs;
            out.println(line(nowNs, done, total, false));
            out.flush();
        }
    }

    /**
     * Ends the progress with an outcome line.
     *
     * @param nowNs   the time.
     * @param outcome what happened, e.g. {@code "done"} or {@code "failed: ..."}.
     */
    void finish(final long nowNs, final String outcome)
    {
        if (terminal && lastLength > 0)
        {
            out.println();
        }
        final StringBuilder sb = new StringBuilder(label).append(": ").append(outcome);
        if (started)
        {
            sb.append(" after ").append(duration(nowNs - startNs));
            if (unit != Unit.NONE && counting)
            {
                sb.append(" (").append(amount(lastDone));
                if (lastTotal > 0)
                {
                    sb.append(" of ").append(amount(lastTotal));
                }
                final String rate = rate(nowNs, lastDone);
                if (null != rate)
                {
                    sb.append(", ").append(rate);
                }
                sb.append(')');
            }
        }
        out.println(sb);
        out.flush();
    }

    private String line(final long nowNs, final long done, final long total, final boolean bar)
    {
        final StringBuilder sb = new StringBuilder(80).append(label);
        sb.append(bar ? "  " : ": ");
        if (unit == Unit.NONE)
        {
            return sb.append("waiting ").append(duration(nowNs - startNs)).toString();
        }
        final boolean known = total > 0;
        if (known)
        {
            final long clamped = Math.max(0, Math.min(done, total));
            final int percent = (int)(clamped * 100 / total);
            if (bar)
            {
                final int filled = (int)(clamped * BAR_WIDTH / total);
                sb.append('[');
                for (int i = 0; i < BAR_WIDTH; i++)
                {
                    sb.append(i < filled ? '#' : '.');
                }
                sb.append("] ");
            }
            sb.append(percent).append("% ").append(amount(done)).append('/').append(amount(total));
        }
        else
        {
            sb.append(amount(done));
        }
        final String rate = rate(nowNs, done);
        sb.append(", ").append(null == rate ? "rate -" : rate);
        if (known)
        {
            final double perNs = perNs(nowNs, done);
            sb.append(", ETA ");
            if (done >= total)
            {
                sb.append("0s");
            }
            else if (perNs > 0)
            {
                sb.append(duration((long)((total - done) / perNs)));
            }
            else
            {
                sb.append('-');
            }
        }
        sb.append(", ").append(duration(nowNs - startNs)).append(" elapsed");
        return sb.toString();
    }

    private double perNs(final long nowNs, final long done)
    {
        final long elapsed = nowNs - rateStartNs;
        return !counting || elapsed <= 0 ? 0 : (done - startDone) / (double)elapsed;
    }

    private String rate(final long nowNs, final long done)
    {
        final double perNs = perNs(nowNs, done);
        if (!counting || nowNs - rateStartNs <= 0)
        {
            return null;
        }
        final double perSecond = perNs * 1e9;
        return unit == Unit.BYTES ? bytes((long)perSecond) + "/s" :
            String.format(Locale.ROOT, "%.1f %s/s", perSecond, "steps");
    }

    private String amount(final long value)
    {
        return unit == Unit.BYTES ? bytes(value) : value + (unit == Unit.STEPS ? " steps" : "");
    }

    /** {@code 999 B}, {@code 1.5 KiB}, {@code 12.0 MiB}, {@code 1.2 GiB}. */
    static String bytes(final long bytes)
    {
        if (bytes < 1024)
        {
            return bytes + " B";
        }
        final String[] units = { "KiB", "MiB", "GiB", "TiB" };
        double value = bytes / 1024.0;
        int i = 0;
        while (value >= 1024 && i < units.length - 1)
        {
            value /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[i]);
    }

    /** {@code 45s}, {@code 3m05s}, {@code 1h02m}. */
    static String duration(final long nanos)
    {
        final long seconds = Math.max(0, TimeUnit.NANOSECONDS.toSeconds(nanos));
        if (seconds < 60)
        {
            return seconds + "s";
        }
        if (seconds < 3600)
        {
            return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, (seconds % 3600) / 60);
    }
}
