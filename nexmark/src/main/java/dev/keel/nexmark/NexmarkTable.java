package dev.keel.nexmark;

import dev.keel.engine.data.Schema;

/**
 * The three Nexmark event kinds, each a table of its own. {@link #configName()} is the value of the
 * endpoint option {@code table}.
 */
public enum NexmarkTable
{
    /** A new person registers: {@link NexmarkSchemas#PERSON}; 1 of every 50 events. */
    PERSON("person", NexmarkSchemas.PERSON),
    /** A person opens an auction: {@link NexmarkSchemas#AUCTION}; 3 of every 50 events. */
    AUCTION("auction", NexmarkSchemas.AUCTION),
    /** A person bids in an auction: {@link NexmarkSchemas#BID}; 46 of every 50 events. */
    BID("bid", NexmarkSchemas.BID);

    private static final NexmarkTable[] VALUES = values();

    private final String configName;
    private final Schema schema;

    NexmarkTable(final String configName, final Schema schema)
    {
        this.configName = configName;
        this.schema = schema;
    }

    public String configName()
    {
        return configName;
    }

    public Schema schema()
    {
        return schema;
    }

    /** The table of an {@link #ordinal()}, as returned by {@link NexmarkGenerator#kindAt(long)}. */
    public static NexmarkTable ofOrdinal(final int ordinal)
    {
        return VALUES[ordinal];
    }

    /** The table named {@code person}, {@code auction} or {@code bid}; fails naming the allowed values. */
    public static NexmarkTable fromConfigName(final String name)
    {
        for (final NexmarkTable table : VALUES)
        {
            if (table.configName.equals(name))
            {
                return table;
            }
        }
        throw new IllegalArgumentException("table: '" + name + "' is not a Nexmark table; allowed: person, auction, bid");
    }
}
