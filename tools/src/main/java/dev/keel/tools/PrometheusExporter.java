package dev.keel.tools;

import dev.keel.engine.status.KeelCounters;
import org.agrona.concurrent.status.CountersReader;

/**
 * Writes every Keel counter in Prometheus text exposition format (version 0.0.4): one {@code # TYPE} line
 * per metric, then one sample per counter with the label's {@code key=value} pairs as Prometheus labels.
 * Counters of types Keel does not register (e.g. Aeron's, if they share a reader) are skipped.
 */
public final class PrometheusExporter
{
    private PrometheusExporter()
    {
    }

    public static String export(final CountersReader counters)
    {
        final java.util.Map<String, StringBuilder> byMetric = new java.util.TreeMap<>();
        counters.forEach((counterId, typeId, keyBuffer, label) ->
        {
            final String metric;
            try
            {
                metric = KeelCounters.metricName(typeId);
            }
            catch (final IllegalArgumentException notOurs)
            {
                return;
            }
            final StringBuilder samples = byMetric.computeIfAbsent(metric, m -> new StringBuilder());
            samples.append(metric).append('{');
            final String[] parts = label.split(" ");
            boolean first = true;
            for (int i = 1; i < parts.length; i++)
            {
                final int eq = parts[i].indexOf('=');
                if (eq <= 0)
                {
                    continue;
                }
                if (!first)
                {
                    samples.append(',');
                }
                first = false;
                samples.append(parts[i], 0, eq).append("=\"");
                escape(parts[i].substring(eq + 1), samples);
                samples.append('"');
            }
            samples.append("} ").append(counters.getCounterValue(counterId)).append('\n');
        });
        final StringBuilder out = new StringBuilder();
        byMetric.forEach((metric, samples) ->
        {
            final boolean counter = metric.endsWith("_total");
            out.append("# TYPE ").append(metric).append(counter ? " counter\n" : " gauge\n").append(samples);
        });
        return out.toString();
    }

    private static void escape(final String value, final StringBuilder out)
    {
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            if (c == '\\' || c == '"')
            {
                out.append('\\').append(c);
            }
            else if (c == '\n')
            {
                out.append("\\n");
            }
            else
            {
                out.append(c);
            }
        }
    }
}
