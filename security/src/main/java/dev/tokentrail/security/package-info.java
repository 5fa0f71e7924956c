/**
 * Who may call TokenTrail's ports and for which tenant: bearer tokens from a file that is reloaded
 * when it changes, Tempo's {@code X-Scope-OrgID}, the Armeria decorators that check them on every
 * port, and {@link dev.tokentrail.security.RequestTenant}, through which the services behind them
 * read the tenant a request acts for.
 */
package dev.tokentrail.security;
