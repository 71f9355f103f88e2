package dev.keel.nexmark;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;

/**
 * The three Nexmark tables with the column names and order of Feldera's and Flink's Nexmark SQL
 * (snake case). Every column is NOT NULL; {@code TIMESTAMP} is microseconds since the epoch, and the
 * generator's timestamps are whole milliseconds (as in Beam and Flink).
 * <pre>
 *   person (id BIGINT, name VARCHAR, email_address VARCHAR, credit_card VARCHAR, city VARCHAR,
 *           state VARCHAR, date_time TIMESTAMP, extra VARCHAR)
 *   auction(id BIGINT, item_name VARCHAR, description VARCHAR, initial_bid BIGINT, reserve BIGINT,
 *           date_time TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra VARCHAR)
 *   bid    (auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR,
 *           date_time TIMESTAMP, extra VARCHAR)
 * </pre>
 */
public final class NexmarkSchemas
{
    public static final int PERSON_ID = 0;
    public static final int PERSON_NAME = 1;
    public static final int PERSON_EMAIL_ADDRESS = 2;
    public static final int PERSON_CREDIT_CARD = 3;
    public static final int PERSON_CITY = 4;
    public static final int PERSON_STATE = 5;
    public static final int PERSON_DATE_TIME = 6;
    public static final int PERSON_EXTRA = 7;

    public static final int AUCTION_ID = 0;
    public static final int AUCTION_ITEM_NAME = 1;
    public static final int AUCTION_DESCRIPTION = 2;
    public static final int AUCTION_INITIAL_BID = 3;
    public static final int AUCTION_RESERVE = 4;
    public static final int AUCTION_DATE_TIME = 5;
    public static final int AUCTION_EXPIRES = 6;
    public static final int AUCTION_SELLER = 7;
    public static final int AUCTION_CATEGORY = 8;
    public static final int AUCTION_EXTRA = 9;

    public static final int BID_AUCTION = 0;
    public static final int BID_BIDDER = 1;
    public static final int BID_PRICE = 2;
    public static final int BID_CHANNEL = 3;
    public static final int BID_URL = 4;
    public static final int BID_DATE_TIME = 5;
    public static final int BID_EXTRA = 6;

    public static final Schema PERSON = Schema.of(
        Column.of("id", ColumnType.INT64),
        Column.of("name", ColumnType.STRING),
        Column.of("email_address", ColumnType.STRING),
        Column.of("credit_card", ColumnType.STRING),
        Column.of("city", ColumnType.STRING),
        Column.of("state", ColumnType.STRING),
        Column.of("date_time", ColumnType.TIMESTAMP),
        Column.of("extra", ColumnType.STRING));

    public static final Schema AUCTION = Schema.of(
        Column.of("id", ColumnType.INT64),
        Column.of("item_name", ColumnType.STRING),
        Column.of("description", ColumnType.STRING),
        Column.of("initial_bid", ColumnType.INT64),
        Column.of("reserve", ColumnType.INT64),
        Column.of("date_time", ColumnType.TIMESTAMP),
        Column.of("expires", ColumnType.TIMESTAMP),
        Column.of("seller", ColumnType.INT64),
        Column.of("category", ColumnType.INT64),
        Column.of("extra", ColumnType.STRING));

    public static final Schema BID = Schema.of(
        Column.of("auction", ColumnType.INT64),
        Column.of("bidder", ColumnType.INT64),
        Column.of("price", ColumnType.INT64),
        Column.of("channel", ColumnType.STRING),
        Column.of("url", ColumnType.STRING),
        Column.of("date_time", ColumnType.TIMESTAMP),
        Column.of("extra", ColumnType.STRING));

    private NexmarkSchemas()
    {
    }
}
