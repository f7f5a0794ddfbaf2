package io.teleport.spring.client;

import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The {@link SessionTemplate}s of the remotes under {@code teleport.clients}, by name. The remote of
 * {@code teleport.client} (named {@code default} in logs and health) is the {@link SessionTemplate} bean.
 */
public final class SessionTemplates {

    private final Map<String, SessionTemplate> templates;

    /** The templates by name. */
    public SessionTemplates(Map<String, SessionTemplate> templates) {
        this.templates = Map.copyOf(templates);
    }

    /**
     * The template of a named remote.
     *
     * @throws NoSuchElementException naming the known remotes
     */
    public SessionTemplate get(String name) {
        SessionTemplate template = templates.get(name);
        if (template == null) {
            throw new NoSuchElementException("no remote '" + name + "' under teleport.clients (known: "
                    + templates.keySet() + ")" + ("default".equals(name)
                    ? "; teleport.client's remote, 'default' in logs and health, is the SessionTemplate bean"
                    : "; a remote whose only key is misspelt (adress) is none: see the start-up WARN 'not Teleport settings'"));
        }
        return template;
    }

    /** The names of the remotes. */
    public Set<String> names() {
        return templates.keySet();
    }
}
