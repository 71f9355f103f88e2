package dev.keel.engine.config;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An endpoint's transport or format: which implementation ({@code name}, e.g. {@code "file_input"} or
 * {@code "csv"}) and its implementation-specific settings ({@code config}), which the implementation's factory
 * validates through {@link ConfigObject}.
 * <pre>{@code {"name": "file_input", "config": {"path": "trades.csv"}}}</pre>
 */
public final class ComponentConfig
{
    private final String name;
    private final ConfigObject config;

    ComponentConfig(final String name, final ConfigObject config)
    {
        this.name = name;
        this.config = config;
    }

    /**
     * Which transport or format.
     *
     * @return the non-empty name of the implementation.
     */
    public String name()
    {
        return name;
    }

    /**
     * Settings for the implementation, which knows its JSON path for error messages.
     *
     * @return the settings, empty when not given.
     */
    public ConfigObject config()
    {
        return config;
    }

    ObjectNode toNode()
    {
        return toNode(name, config.copyOfNode());
    }

    static ObjectNode toNode(final String name, final ObjectNode config)
    {
        final ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("name", name);
        node.set("config", config);
        return node;
    }

    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }

        if (!(o instanceof ComponentConfig))
        {
            return false;
        }

        final ComponentConfig that = (ComponentConfig)o;
        return name.equals(that.name) && config.equals(that.config);
    }

    public int hashCode()
    {
        return 31 * name.hashCode() + config.hashCode();
    }

    /**
     * JSON of the component with secret-looking settings redacted.
     *
     * @return JSON of the component with secret-looking settings redacted.
     */
    public String toString()
    {
        return ConfigObject.redactedJson(toNode());
    }
}
