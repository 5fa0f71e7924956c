package dev.tokentrail.analysis;

import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;

/**
 * The turns of conversations as context growth defines them (docs/waste.md): per conversation
 * ({@code gen_ai.conversation.id}, else the trace) the final attempts that reported input tokens,
 * in {@link CallOrder}. Context growth and the shared-prefix analysis read one such grouping when
 * the engine runs both.
 */
final class Turns {
  /** Group g holds one conversation's turns, first turn first. */
  final RowGroups conversations;
  private final int calls;

  private Turns(RowGroups conversations, int calls) {
    this.conversations = conversations;
    this.calls = calls;
  }

  /** @param finalAttempt the final attempts of retry groups ({@link RetryAnalysis.Result#finalAttempt()}) */
  static Turns of(CallTable t, boolean[] finalAttempt) {
    RowGroups conversations = RowGroups.ordered(t, row -> finalAttempt[row] && t.input(row) >= 0,
        row -> t.textId(row, Text.CONVERSATION),
        row -> t.textId(row, Text.CONVERSATION) >= 0 ? 0 : t.traceHi(row),
        row -> t.textId(row, Text.CONVERSATION) >= 0 ? 0 : t.traceLo(row));
    return new Turns(conversations, t.size());
  }

  /** Which calls are the first turn of their conversation. */
  boolean[] firstOfConversation() {
    boolean[] first = new boolean[calls];
    for (int g = 0; g < conversations.groups(); g++) {
      first[conversations.rows[conversations.starts[g]]] = true;
    }
    return first;
  }
}
