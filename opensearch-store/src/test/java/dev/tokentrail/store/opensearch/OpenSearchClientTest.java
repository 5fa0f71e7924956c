package dev.tokentrail.store.opensearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.Server;
import dev.tokentrail.store.StoreClosedException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Spreading requests over the configured nodes, against a fake node and a port nothing listens on. */
class OpenSearchClientTest {
  private final AtomicInteger received = new AtomicInteger();
  private Server live;

  @BeforeEach
  void startLiveNode() {
    live = Server.builder().http(0)
        .service("/garbled", (ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.JSON, "{\"ok\":tr"))
        .service("/empty", (ctx, req) -> HttpResponse.of(ResponseHeaders.of(HttpStatus.OK)))
        .service("/refused", (ctx, req) -> HttpResponse.of(HttpStatus.BAD_REQUEST, MediaType.PLAIN_TEXT, "not json at all"))
        .serviceUnder("/", (ctx, req) -> {
          received.incrementAndGet();
          return HttpResponse.of(HttpStatus.OK, MediaType.JSON, "{\"ok\":true}");
        })
        .build();
    live.start().join();
  }

  @AfterEach
  void stopLiveNode() {
    live.stop().join();
  }

  private URI liveUrl() {
    return URI.create("http://127.0.0.1:" + live.activeLocalPort());
  }

  private static URI nowhere() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }
  }

  private static OpenSearchClient client(List<URI> urls) {
    return new OpenSearchClient(urls, null, null, Duration.ofSeconds(5), 1);
  }

  @Test
  void aNodeThatCannotBeReachedIsMarkedDownAndItsRequestsGoToTheOthers() throws Exception {
    try (OpenSearchClient client = client(List.of(nowhere(), liveUrl()))) {
      assertThat(client.nodesDown()).isZero();

      for (int i = 0; i < 4; i++) {
        assertThat(client.send(HttpMethod.GET, "/", null).path("ok").asBoolean()).isTrue();
      }

      assertThat(received).hasValue(4);
      assertThat(client.nodesDown()).as("the unreachable node, for the next few seconds").isEqualTo(1);
    }
  }

  @Test
  void answersThatAreNotJsonAreRefusedWithTheirTextAndAnEmptyOneIsNull() throws Exception {
    try (OpenSearchClient client = client(List.of(liveUrl()))) {
      assertThatThrownBy(() -> client.send(HttpMethod.GET, "/garbled", null))
          .isInstanceOf(OpenSearchClient.OpenSearchException.class)
          .hasMessage("unreadable answer to GET /garbled: {\"ok\":tr");
      assertThatThrownBy(() -> client.send(HttpMethod.GET, "/refused", null))
          .isInstanceOf(OpenSearchClient.OpenSearchException.class)
          .hasMessage("GET /refused refused with 400: not json at all");
      assertThat(client.send(HttpMethod.GET, "/empty", null).isNull()).isTrue();
    }
  }

  @Test
  void whenNoNodeCanBeReachedTheRequestFailsAsUnavailable() throws Exception {
    try (OpenSearchClient client = client(List.of(nowhere(), nowhere()))) {
      assertThatThrownBy(() -> client.send(HttpMethod.GET, "/", null))
          .isInstanceOf(StoreClosedException.class).hasMessageContaining("OpenSearch unavailable");
      assertThat(client.nodesDown()).isEqualTo(2);
    }
  }
}
