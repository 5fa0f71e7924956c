package dev.tokentrail.store.lucene;

import dev.tokentrail.store.AggregateCondition;
import dev.tokentrail.store.FieldRef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One trace's matched spans: how many, the first few, and running aggregates per field. */
final class TraceHits {    int count;
    final List<Long> docs = new ArrayList<>(3);
    final double[] sum;
    final double[] min;
    final double[] max;
    final long[] n;

    TraceHits(int fields) {
      sum = new double[fields];
      min = new double[fields];
      max = new double[fields];
      n = new long[fields];
      Arrays.fill(min, Double.POSITIVE_INFINITY);
      Arrays.fill(max, Double.NEGATIVE_INFINITY);
    }

    void add(double value, int field) {
      sum[field] += value;
      min[field] = Math.min(min[field], value);
      max[field] = Math.max(max[field], value);
      n[field]++;
    }

    void merge(TraceHits other, int spss) {
      count += other.count;
      for (long doc : other.docs) {
        if (docs.size() < spss && !docs.contains(doc)) {
          docs.add(doc);
        }
      }
      for (int i = 0; i < sum.length; i++) {
        sum[i] += other.sum[i];
        min[i] = Math.min(min[i], other.min[i]);
        max[i] = Math.max(max[i], other.max[i]);
        n[i] += other.n[i];
      }
    }

  static boolean passes(TraceHits hits, List<AggregateCondition> aggregates, List<FieldRef> fields) {
    for (AggregateCondition a : aggregates) {
      double value = aggregateValue(hits, a, fields);
      if (Double.isNaN(value) || !a.test(value)) {
        return false;
      }
    }
    return true;
  }

  static Map<String, Double> aggregateValues(TraceHits hits, List<AggregateCondition> aggregates, List<FieldRef> fields) {
    if (aggregates.isEmpty()) {
      return Map.of();
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (AggregateCondition a : aggregates) {
      out.put(a.label(), aggregateValue(hits, a, fields));
    }
    return out;
  }

  static double aggregateValue(TraceHits hits, AggregateCondition a, List<FieldRef> fields) {
    if (a.function() == AggregateCondition.Function.COUNT) {
      return hits.count;
    }
    int i = fields.indexOf(a.field());
    if (hits.n[i] == 0) {
      return Double.NaN;
    }
    return switch (a.function()) {
      case SUM -> hits.sum[i];
      case AVG -> hits.sum[i] / hits.n[i];
      case MIN -> hits.min[i];
      case MAX -> hits.max[i];
      case COUNT -> hits.count;
    };
  }
}
