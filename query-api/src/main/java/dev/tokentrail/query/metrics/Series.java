package dev.tokentrail.query.metrics;

import java.util.List;

/**
 * One time series: its labels (also as Prometheus text), samples and exemplars, oldest first.
 *
 * <p>PLACEHOLDER (issue 11, streaming branch): a copy of the TraceQL metrics engine's type; the
 * merge replaces this file with the engine's.
 */
public record Series(List<Label> labels, String promLabels, List<Sample> samples, List<Exemplar> exemplars) {}
