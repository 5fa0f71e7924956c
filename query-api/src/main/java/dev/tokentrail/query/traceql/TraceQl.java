package dev.tokentrail.query.traceql;

import dev.tokentrail.store.AggregateCondition;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.Spansets;
import java.util.List;

/**
 * A parsed TraceQL query: spanset filters combined with {@code &&} / {@code ||}, then a pipeline
 * of aggregate conditions and {@code select(...)}. Parse with {@link TraceQlParser#parse}; the
 * parts are the store's own query model, so nothing is translated twice.
 */
public record TraceQl(Spansets spansets, List<AggregateCondition> aggregates, List<FieldRef> select) {}
