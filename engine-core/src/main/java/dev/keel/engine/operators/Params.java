package dev.keel.engine.operators;

import dev.keel.engine.data.Hashing;

/**
 * Mixing of operator parameters into fingerprints: stable across runs (String.hashCode is specified).
 */
final class Params
{
    private Params()
    {
    }

    static long mix(final long h, final String value)
    {
        return Hashing.combine(h, null == value ? 0 : value.hashCode());
    }

    static long mix(final long h, final String[] values)
    {
        long result = Hashing.combine(h, values.length);
        for (final String value : values)
        {
            result = mix(result, value);
        }
        return result;
    }

    static long mix(final long h, final long value)
    {
        return Hashing.combine(h, value);
    }
}
