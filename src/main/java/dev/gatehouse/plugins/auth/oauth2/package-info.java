@NullMarked
package dev.gatehouse.plugins.auth.oauth2;

import org.jspecify.annotations.NullMarked;
