/**
 * Routes by URI: the pull and push routers and their table, controller naming ({@link RouteNames}), the
 * contexts handlers get, {@link RequestUri} and {@link QueryString}, and the parameters every handler
 * may take ({@link StandardArgument}).
 */
@NullMarked
package io.teleport.router;

import org.jspecify.annotations.NullMarked;
