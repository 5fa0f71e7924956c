package dev.tokentrail.query;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.tokentrail.security.RequestTenant;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Prometheus text exposition of the registry. Series labelled with a {@code tenant} are shown only
 * to callers who may see that tenant ({@link RequestTenant#metricsScope}): every tenant on an open
 * server and to admin tokens, the caller's own otherwise, none to anonymous callers.
 */
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
          String scope = RequestTenant.metricsScope(ctx);
          byte[] text = scope == null ? out.toByteArray() : onlyTenant(out.toString(StandardCharsets.UTF_8), scope);
          return HttpResponse.of(HttpStatus.OK, TEXT_004, HttpData.wrap(text));
        },
        ctx.blockingTaskExecutor());
  }

  /**
   * The exposition without the samples of other tenants than {@code tenant} ("" keeps only
   * samples without a tenant label). Label values escape their quotes, so {@code tenant="} found
   * right after '{' or ',' is the label itself.
   */
  static byte[] onlyTenant(String exposition, String tenant) {
    StringBuilder out = new StringBuilder(exposition.length());
    String own = "tenant=\"" + tenant + "\"";
    for (String line : exposition.split("\n", -1)) {
      int labels = line.startsWith("#") ? -1 : line.indexOf('{');
      int at = labels < 0 ? -1 : labelAt(line, labels);
      if (at < 0 || line.startsWith(own, at)) {
        out.append(line).append('\n');
      }
    }
    out.setLength(out.length() - 1); // the split's last element had no newline after it
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static int labelAt(String line, int from) {
    for (int i = line.indexOf("tenant=\"", from); i >= 0; i = line.indexOf("tenant=\"", i + 1)) {
      char before = line.charAt(i - 1);
      if (before == '{' || before == ',') {
        return i;
      }
    }
    return -1;
  }
}
