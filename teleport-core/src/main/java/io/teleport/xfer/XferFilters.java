package io.teleport.xfer;

import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The transfer filters a peer knows, by id byte. Starts with gzip {@code 'g'}.
 *
 * <p>Registration is meant for set-up time; lookups are lock-free and safe from any thread.
 */
public final class XferFilters {

    private volatile @Nullable XferFilter[] byId = new XferFilter[256];
    /** Set on a peer's own copy: what a running peer decodes with does not change under it. */
    private boolean frozen;

    private XferFilters() {
    }

    /** A registry with no filter. */
    public static XferFilters empty() {
        return new XferFilters();
    }

    /** A registry with the built-in filters. */
    public static XferFilters defaults() {
        return new XferFilters().register(new GzipFilter());
    }

    /** Adds a filter, replacing the one with the same id. */
    public synchronized XferFilters register(XferFilter filter) {
        if (frozen) {
            throw new IllegalStateException("a peer's registry is fixed once the peer is built; register before");
        }
        Objects.requireNonNull(filter, "filter");
        @Nullable XferFilter[] next = byId.clone();
        next[filter.id() & 0xFF] = filter;
        byId = next;
        return this;
    }

    /** An unchangeable copy with the same entries, for a peer to keep. */
    public XferFilters frozenCopy() {
        XferFilters copy = new XferFilters();
        copy.byId = byId;
        copy.frozen = true;
        return copy;
    }

    /** The filter with this id, or {@code null}. */
    public @Nullable XferFilter get(byte id) {
        return byId[id & 0xFF];
    }

    /**
     * The filter with this id.
     *
     * @throws XferException when none is registered
     */
    public XferFilter require(byte id) {
        XferFilter filter = byId[id & 0xFF];
        if (filter == null) {
            throw new XferException("unsupported transfer filter id: " + (id & 0xFF));
        }
        return filter;
    }

    /** The filter with this name, or {@code null}. */
    public @Nullable XferFilter byName(String name) {
        for (XferFilter filter : byId) {
            if (filter != null && filter.name().equals(name)) {
                return filter;
            }
        }
        return null;
    }

    /** Every registered filter, by id. */
    public List<XferFilter> all() {
        List<XferFilter> all = new ArrayList<>();
        for (XferFilter filter : byId) {
            if (filter != null) {
                all.add(filter);
            }
        }
        return Collections.unmodifiableList(all);
    }
}
