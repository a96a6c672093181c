@NullMarked
package dev.gatehouse.plugins.auth.basic;

import org.jspecify.annotations.NullMarked;
