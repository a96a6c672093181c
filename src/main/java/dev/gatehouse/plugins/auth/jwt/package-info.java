@NullMarked
package dev.gatehouse.plugins.auth.jwt;

import org.jspecify.annotations.NullMarked;
