@NullMarked
package dev.gatehouse.config.model;

import org.jspecify.annotations.NullMarked;
