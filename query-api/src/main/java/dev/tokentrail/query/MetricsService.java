package dev.tokentrail.query;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Prometheus text exposition of the registry. */
final class MetricsService implements HttpService {
  private static final MediaType TEXT_004 = MediaType.parse(PrometheusTextFormatWriter.CONTENT_TYPE);
  private final PrometheusRegistry registry;
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  MetricsService(PrometheusRegistry registry) {
    this.registry = registry;
  }

  @Override
  public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
    return HttpResponse.of(
        () -> {
          ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
          try {
            writer.write(out, registry.scrape());
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          return HttpResponse.of(HttpStatus.OK, TEXT_004, HttpData.wrap(out.toByteArray()));
        },
        ctx.blockingTaskExecutor());
  }
}
